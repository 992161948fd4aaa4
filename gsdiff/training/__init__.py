"""Training a diffusion policy on the expert dataset: the training loop (any device, data-parallel under
torchrun, bf16 autocast, resumable), the validation scores and the rule that keeps a checkpoint, and a
profile's policy shipped or trained here (``policy_for``)."""

from .distill import distill_policy, distillation_target
from .selection import selection_score, validation_problems, validation_scores
from .train import TrainResult, train_policy, training_degree, training_sizes, validation_loss
from .trained import policy_for, training_key

__all__ = [
    "distill_policy",
    "distillation_target",
    "TrainResult",
    "train_policy",
    "training_sizes",
    "training_degree",
    "validation_loss",
    "validation_problems",
    "validation_scores",
    "selection_score",
    "training_key",
    "policy_for",
]
