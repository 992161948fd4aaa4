"""The expert dataset the policies imitate: the expert's samples on a (density x f_min x network) grid,
split by network into train, validation and test, built cell by cell on request and cached by content."""

from .datasets import ExpertDataset, dataset_key, load_or_build_dataset, load_training_datasets

__all__ = ["ExpertDataset", "dataset_key", "load_or_build_dataset", "load_training_datasets"]
