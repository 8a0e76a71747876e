//! Survival analysis for mlhc: Kaplan-Meier, log-rank, Cox, parametric AFT, survival metrics, random survival forests.
