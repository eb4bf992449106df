"""The trainable networks. Importing this package does not import torch; `build_model` does."""

from trainboard.trainer.models.registry import build_model, default_feature_layers, describe_models, feature_layers

__all__ = ["build_model", "default_feature_layers", "describe_models", "feature_layers"]
