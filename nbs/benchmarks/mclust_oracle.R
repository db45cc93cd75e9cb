# mclust's fits for the table of nbs/library/28_mclust.ipynb: every model, G = 1..5, on faithful and iris[, 1:4],
# EM run to a relative change of 1e-11 from mclust's hierarchical start (R 4.2.2, mclust 6.0.0).
# Usage: Rscript mclust_oracle.R oracle.json   (a cell where mclust fails, BIC NA, is left out)
library(mclust)
out_file <- commandArgs(TRUE)[1]
sets <- list(faithful = as.matrix(faithful), iris = as.matrix(iris[, 1:4]))
out <- list()
for (nm in names(sets)) { X <- sets[[nm]]
  for (m in mclust.options("emModelNames")) for (G in 1:5) {
    fit <- tryCatch(Mclust(X, G = G, modelNames = m, control = emControl(tol = c(1e-11, 1e-11)), verbose = FALSE),
                    error = function(e) NULL)
    if (is.null(fit)) { message(nm, " ", m, " ", G, ": no fit"); next }
    p <- fit$parameters
    out[[length(out) + 1]] <- list(data = nm, model = m, G = G, bic = fit$bic, icl = icl(fit), loglik = fit$loglik,
        df = fit$df, pro = as.numeric(p$pro), mean = as.numeric(p$mean), sigma = as.numeric(p$variance$sigma),
        unc = sum(fit$uncertainty), cls = as.numeric(table(factor(fit$classification, levels = 1:G))))
  }}
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE), file = out_file)
