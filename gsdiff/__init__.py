"""gsdiff: graph signal diffusion models for wireless resource allocation.

The package is layered along the data flow (network -> rates -> expert samples -> graph signals ->
denoiser -> policy samples -> rates -> figures); each subpackage imports only those above it here:

    config, units, checks, rng, devices, files, cache, distributed   (configuration and utilities)
    wireless -> graph -> solvers -> diffusion -> denoisers            (the model and the expert)
    data -> policy -> training -> evaluation                          (imitation and its verdicts)
    viz -> notebooks -> cli                                           (presentation)

One calling convention holds across the public API:

- **Tensors first, in one order**: ``gains`` [B, N, N] (gains[b, j, i]: transmitter j to receiver i), then
  the allocations ``power_w`` [B, S, N] or [B, N] and/or ``f_min`` (scalar, [B] or [B, N]); models
  (``policy``, ``policies``) come after the tensors, e.g. ``dual_time_sharing(gains, power_w, f_min, radio,
  evaluation, config)``, ``ergodic_rates_exact(gains, power_w, noise_w)``,
  ``compare_to_expert(gains, f_min, policies, radio, expert, num_samples=100)``, and a dataset is data:
  ``train_policy(dataset, profile, work_dir=...)``.
- **Then configs, required**: ``radio`` (which sets P_max and the noise), ``evaluation``, the solver's
  config or a whole ``Profile``; none is silently replaced by a default, since a default config changes the
  numbers without a word.
- **Keyword-only after that**: sizes, options and randomness. Randomness is ``seed=`` (an int: a generator
  seeded here) or ``generator=`` (a ``torch.Generator`` to draw from), always by keyword.
- **Names say units, counts and one meaning**: ``power_w``, ``noise_w``, ``num_pairs`` (graph nodes are the
  pairs), ``quadrature_nodes`` (of the ergodic-rate quadrature), ``power_levels`` (a count of evenly spaced
  powers), ``f_mins`` (requirement levels), ``graph`` (a ``ChannelGraph``) vs ``graph_config`` (a
  ``GraphConfig``). Candidates are ``gsdiff.config.Candidate`` entries (name, label, kind), never display
  strings.
- **How a trained policy samples** is one ``SamplingSetting`` (sampler, steps, eta, initial noise, margin,
  power levels, top-k): ``policy.sample(gains, f_min, num_samples, setting)``; without one, the policy's own.
"""
