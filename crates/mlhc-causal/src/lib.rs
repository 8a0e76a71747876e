//! Causal inference for mlhc: propensity models, IPW, AIPW, meta-learners, matching, balance, sensitivity.
