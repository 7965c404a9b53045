"""ONNX-friendly BigGAN-deep generator with the huggingface pytorch-pretrained-BigGAN names."""
from .model import BigGAN, BigGANConfig, truncated_noise_sample, truncation_weights  # noqa: F401
