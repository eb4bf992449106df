"""Sweeps: hyperparameter search across the worker pool, with Optuna as the engine (samplers, pruners,
importance) and its storage in the product's own database. A sweep's trials are ordinary runs; the
reconciler (reconcile.py) is the one place that talks to the study: it queues trials, reports each
evaluation as an intermediate value, stops the trials the pruner prunes, and tells the study how each ended.
"""
