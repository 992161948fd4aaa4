"""Progressive distillation: the target against the DDIM step it inverts, and a run that resumes to the same
student and samples with half the teacher's steps."""

import math
from dataclasses import replace

import pytest
import torch

from gsdiff.config import DistillConfig
from gsdiff.data import load_or_build_dataset, load_training_datasets
from gsdiff.policy import DiffusionPolicy
from gsdiff.training import distill_policy, distillation_target


@pytest.mark.parametrize(("alphabar_t", "alphabar_next"), [(0.2, 0.7), (0.01, 0.3), (0.6, 1.0)])
def test_target_lands_one_ddim_step_on_the_teachers_two(generator, alphabar_t, alphabar_next):
    """One deterministic DDIM step from x_t with the target as its x0 lands on x_next (by hand: eq. (12) of
    DDIM with eta = 0)."""
    x_t = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    x_next = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    x0 = distillation_target(x_t, x_next, alphabar_t, alphabar_next)
    eps = (x_t - math.sqrt(alphabar_t) * x0) / math.sqrt(1 - alphabar_t)
    landed = math.sqrt(alphabar_next) * x0 + math.sqrt(1 - alphabar_next) * eps
    assert torch.allclose(landed, x_next, atol=1e-10)


def test_distillation_resumes_to_the_same_student_and_halves_the_steps(profile, tmp_path):
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    torch.manual_seed(0)
    teacher = DiffusionPolicy.from_profile(profile)
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    config = DistillConfig(
        student_steps=2, num_steps=4, batch_problems=4, samples_per_problem=2, checkpoint_every=2
    )
    full = distill_policy(teacher, dataset, config, work_dir=tmp_path / "a", progress=False)
    assert full.sampling == replace(teacher.sampling, steps=2, eta=0.0, timestep_spacing="trailing")
    assert full.checkpoint_info["history"]["step"] == [2, 4]
    assert all(torch.equal(before[k], v) for k, v in teacher.state_dict().items())  # the teacher is untouched
    assert any(not torch.equal(before[k], v) for k, v in full.state_dict().items())
    distill_policy(teacher, dataset, replace(config, num_steps=2), work_dir=tmp_path / "b", progress=False)
    resumed = distill_policy(teacher, dataset, config, work_dir=tmp_path / "b", progress=False)
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    other = DiffusionPolicy.from_profile(profile)  # other weights: another teacher
    with pytest.raises(ValueError, match="was made with another teacher"):
        distill_policy(other, dataset, config, work_dir=tmp_path / "b", progress=False)
    k = teacher.configs["diffusion"].num_train_steps
    with pytest.raises(
        ValueError, match=f"student_steps must be at most half the policy's {k} diffusion steps"
    ):
        distill_policy(teacher, dataset, replace(config, student_steps=k), work_dir=tmp_path / "c")
    with pytest.raises(ValueError, match="student_steps must be an integer >= 1, got 0"):
        DistillConfig(student_steps=0)


@pytest.mark.slow  # builds expert datasets of two sizes
def test_distillation_on_several_sizes_draws_one_per_step_on_the_inference_degree(profile, tmp_path):
    """With one dataset per training size each step draws a size, and the larger networks get the graph
    degree the policy samples them with (its training N - 1); a single-size state is not resumed by it."""
    sized = replace(profile, train_pairs=(8,))
    datasets = load_training_datasets(sized, cache_dir=tmp_path / "cache", progress=False)
    torch.manual_seed(0)
    teacher = DiffusionPolicy.from_profile(sized)
    seen = []
    build = teacher.graphs

    def graphs(gains, f_min, **kwargs):
        seen.append((gains.shape[-1], kwargs.get("top_k")))
        return build(gains, f_min, **kwargs)

    teacher.graphs = graphs
    config = DistillConfig(student_steps=1, num_steps=8, batch_problems=2, samples_per_problem=2)
    distill_policy(teacher, datasets, config, work_dir=tmp_path / "mixed", progress=False)
    assert set(seen) == {(5, None), (8, teacher.graph_degree(8))} and teacher.graph_degree(8) == 4
    distill_policy(
        teacher, datasets[0], replace(config, num_steps=2), work_dir=tmp_path / "one", progress=False
    )
    with pytest.raises(ValueError, match="was made with another dataset"):
        distill_policy(teacher, datasets, config, work_dir=tmp_path / "one", progress=False)
