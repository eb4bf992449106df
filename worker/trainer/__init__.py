"""The trainer library. Importing this package does not import torch; its submodules may."""
