"""The trainable networks. Importing this package does not import torch; `build_model` does."""

from trainboard.trainer.models.registry import build_model, describe_models, feature_layers

__all__ = ["build_model", "describe_models", "feature_layers"]
