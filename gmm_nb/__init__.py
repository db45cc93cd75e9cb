__version__ = "0.0.1"

from .gaussian import gaussian_pdf, gaussian_logpdf, gaussian_log_likelihood, ml_mean, ml_covariance, cholesky_factor
from .mixture import (mixture_pdf, mixture_logpdf, responsibilities, log_likelihood, sample_mixture,
                      component_colors, responsibility_colors)
from .em import e_step, m_step, em, EMResult, EMHistory
from .datasets import load_old_faithful
from .estimator import (GaussianMixture, ConvergenceWarning, NotFittedError, FitHistory, select_model, ModelSelection,
                        plot_bic, n_parameters, covariance_shape, kmeans, kmeans_plusplus, INIT_PARAMS, COVARIANCE_TYPES)
from .plotting import full_covariances, plot_ellipses, plot_density, plot_responsibilities, plot_log_likelihood
from .figures import (bishop_fig_9_8, plot_em_panel, animate_em, animate_collapse, save_animation, fig_9_8_history,
                      FIG_9_8_START)
from .explorer import em_explorer, EMExplorer
