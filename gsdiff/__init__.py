"""gsdiff: graph signal diffusion models for wireless resource allocation."""
