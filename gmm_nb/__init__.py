__version__ = "0.0.1"

# The core (the book's Gaussian, mixture, covariances, EM, k-means), the estimator and what builds on it:
# imported with the package, without matplotlib.
from .gaussian import (InvalidParameterError, gaussian_pdf, gaussian_logpdf, gaussian_log_likelihood, ml_mean,
                       ml_covariance, cholesky_factor)
from .mixture import mixture_pdf, mixture_logpdf, responsibilities, log_likelihood, sample_mixture
from .covariances import (COVARIANCE_TYPES, MCLUST_MODELS, covariance_shape, full_covariances, covariance_update,
                          mclust_update, n_parameters, information_criteria, precision_factors, precisions,
                          covariances_from_precisions)
from .hierarchical import hierarchical_labels                # mclust's start (init_params='hc')
from .em import e_step, m_step, em, EMResult, EMHistory, FIG_9_8_START
from .kmeans import kmeans, kmeans_plusplus, INIT_PARAMS
from .datasets import load_old_faithful, load_binary_digits
from .estimator import GaussianMixture, ConvergenceWarning, NotFittedError
from .prediction import MixtureSummary                     # what GaussianMixture.summary(X) returns
from .selection import select_model, ModelSelection
from . import persistence                                  # saving and loading (GaussianMixture inherits them)
# EM in general (Bishop §9.3-9.4): the bound and KL, mixtures of Bernoulli distributions.
from .em_general import (complete_log_likelihood, lower_bound, kl_divergence, bernoulli_logpmf,
                         bernoulli_mixture_logpmf, bernoulli_e_step, bernoulli_m_step, bernoulli_em)

# Drawing needs matplotlib (and the explorer ipywidgets), the variational mixture (Bishop §10.2, scikit-learn's
# BayesianGaussianMixture) scipy.special (35 ms to import): each loaded on first use of one of its names.
_VARIATIONAL = ('BayesianGaussianMixture', 'PRIOR_TYPES', 'VBParams', 'VBPriors', 'expected_log_weights',
                'expected_log_det_precision', 'vb_e_step_coefficients', 'log_rho_map', 'vb_m_step',
                'log_wishart_normaliser', 'variational_lower_bound', 'vb_lower_bound', 'vb_step', 'mixture_weights')
_PLOTTING = ('component_colors', 'responsibility_colors', 'plot_ellipses', 'plot_density', 'plot_responsibilities',
             'plot_log_likelihood', 'plot_bic')
_FIGURES = ('fig_9_8_history', 'plot_em_panel', 'bishop_fig_9_8', 'animate_em', 'save_animation', 'animate_collapse',
            'animation_html')
_EXPLORER = ('EMExplorer', 'em_explorer', 'EXPLORER_GRID', 'explorer_runs', 'explorer_data', 'explorer_html')
_LAZY = {**dict.fromkeys(_VARIATIONAL, 'variational'), **dict.fromkeys(_PLOTTING, 'plotting'),
         **dict.fromkeys(_FIGURES, 'figures'), **dict.fromkeys(_EXPLORER, 'explorer')}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'gmm_nb' has no attribute {name!r}")
    from importlib import import_module
    value = globals()[name] = getattr(import_module(f'.{_LAZY[name]}', __name__), name)
    return value


def __dir__():
    return sorted([*globals(), *_LAZY])
