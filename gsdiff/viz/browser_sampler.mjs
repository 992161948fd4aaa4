// gsdiff's in-browser sampler: a diffusion policy's reverse process (DDIM, DDPM or DPM-Solver++) and the exact ergodic rates of its
// samples, in a static page with no kernel and no server (gsdiff/viz/browser_sampler.py writes the page, the
// bundle and the model this module reads; its docstring has the maths).
//
// Layouts: a signal x is a Float32Array [N, M] (node-major, the ONNX input [1, N, M]: x[i * M + s] is node i
// of sample s); gains a flat [N, N] array, gains[j * N + i] from transmitter j to receiver i; powers and
// rates come back sample-major, [S][N].

const LN2 = Math.log(2);

// mulberry32: a seeded 32-bit generator of uniforms in [0, 1).
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Standard normal draws from a uniform generator (Box–Muller, both of each pair used).
export function gaussian(uniform) {
  let spare = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 - u in (0, 1]: the log stays finite
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

// One reverse step of gsdiff.policy.export.ReverseSteps (DDIM, DDPM or DPM-Solver++), in place on x [N M],
// from the noise estimate eps [N M]; x0Prev [N M] holds the previous step's x0 and receives this one's:
// x0 = clip((x - sqrt(1 - a) eps) / sqrt(a)), x' = cx x + c0 x0 + c1 x0_prev + sigma z.
export function reverseStep(x, eps, x0Prev, alphabar, scales, clipRange, normal) {
  const { x: cx, x0: c0, previousX0: c1, noise: sigma } = scales;
  const root = Math.sqrt(alphabar);
  const rootComplement = Math.sqrt(1 - alphabar);
  for (let k = 0; k < x.length; k++) {
    let x0 = (x[k] - rootComplement * eps[k]) / root;
    if (clipRange !== null) x0 = Math.min(Math.max(x0, -clipRange), clipRange);
    x[k] = cx * x[k] + c0 * x0 + (c1 !== 0 ? c1 * x0Prev[k] : 0) + (sigma > 0 ? sigma * normal() : 0);
    x0Prev[k] = x0;
  }
}

// Round half to even, as torch.round does.
function roundHalfEven(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// Powers [S][N] in W from signals x [N, S] of the diffusion space: (x + 1/2) P_max on [0, P_max]
// (gsdiff.diffusion.from_diffusion_space), and, with levels, the nearest of that many evenly spaced powers
// (gsdiff.policy.project_to_levels). Returns both.
export function toPowers(x, n, m, maxPowerW, levels) {
  const raw = [];
  for (let s = 0; s < m; s++) {
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) p[i] = Math.min(Math.max((x[i * m + s] + 0.5) * maxPowerW, 0), maxPowerW);
    raw.push(p);
  }
  if (!levels) return { raw, powers: raw };
  const steps = levels - 1;
  const powers = raw.map((p) => p.map((v) => (roundHalfEven((v / maxPowerW) * steps) / steps) * maxPowerW));
  return { raw, powers };
}

// Exact ergodic rates [N] (bits/s/Hz) of one allocation under i.i.d. Rayleigh fading, by the quadrature of
// gsdiff.wireless.ergodic_rates_exact (Hamdi's lemma): with S = x_i g_ii, I_j = x_j g_ji and z = e^u / sigma,
// r_i = sum_q w_q e^{-z sigma} z S / (1 + z S) prod_{j != i} 1 / (1 + z I_j), trapezoid nodes u evenly spaced
// from min(ln(tail sigma / max(S, sigma)), ln 40 - 1) to ln 40, weights in bits.
export function exactRates(power, gains, n, noiseW, numNodes, tail) {
  const upper = Math.log(40);
  const rates = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const signal = power[i] * gains[i * n + i];
    const lower = Math.min(Math.log((tail * noiseW) / Math.max(signal, noiseW)), upper - 1);
    let total = 0;
    for (let q = 0; q < numNodes; q++) {
      const z = Math.exp(lower + (upper - lower) * (q / (numNodes - 1))) / noiseW;
      let logInterference = 0; // log prod_j (1 + z I_j)
      for (let j = 0; j < n; j++) if (j !== i) logInterference += Math.log1p(z * power[j] * gains[j * n + i]);
      const zs = z * signal;
      const weight = ((q === 0 || q === numNodes - 1 ? 0.5 : 1) * (upper - lower)) / (numNodes - 1) / LN2;
      total += (weight * Math.exp(-z * noiseW - logInterference) * zs) / (1 + zs);
    }
    rates[i] = total;
  }
  return rates;
}

// The policy of a bundle (bundle.json and its model.onnx), sampled with onnxruntime-web.
export class Sampler {
  constructor(ort, session, bundle) {
    this.ort = ort;
    this.session = session;
    this.bundle = bundle;
  }

  static async load(ort, bundle, baseUrl) {
    const session = await ort.InferenceSession.create(new URL(bundle.model, baseUrl).href, {
      executionProviders: ["wasm"],
    });
    return new Sampler(ort, session, bundle);
  }

  // Rates [S][N] of allocations [S][N] on bundle network `network`.
  rates(powers, network) {
    const { num_pairs: n, noise_w: noiseW, quadrature } = this.bundle;
    const gains = this.bundle.networks[network].gains;
    return powers.map((p) => exactRates(p, gains, n, noiseW, quadrature.quadrature_nodes, quadrature.tail));
  }

  // Draw allocations on network `network` at fMin: `numSamples` from seeded Gaussian noise, or from the
  // given initial noise [S][N]. Returns the powers (raw: before the levels) and their rates, [S][N] each, the
  // time-shared rates [N] (their mean over the samples) and the seconds each part took.
  async sample({ network, fMin, numSamples, seed = 0, noise = null }) {
    const { num_pairs: n, steps, setting, max_power_w: maxPowerW } = this.bundle;
    const m = noise ? noise.length : numSamples;
    const normal = gaussian(mulberry32(seed));
    const started = performance.now();
    const x = new Float32Array(n * m); // [N, M]
    for (let s = 0; s < m; s++) for (let i = 0; i < n; i++) x[i * m + s] = noise ? noise[s][i] : normal();
    const feeds = {
      gains: new this.ort.Tensor("float32", Float32Array.from(this.bundle.networks[network].gains), [1, n, n]),
      f_min: new this.ort.Tensor("float32", Float32Array.of(fMin + setting.margin), [1]),
    };
    const x0Prev = new Float32Array(n * m);
    for (let k = 0; k < steps.timesteps.length; k++) {
      feeds.x = new this.ort.Tensor("float32", x, [1, n, m]);
      feeds.t = new this.ort.Tensor("int64", new BigInt64Array(m).fill(BigInt(steps.timesteps[k])), [1, m]);
      const { eps } = await this.session.run(feeds);
      const scales = {
        x: steps.x_scale[k],
        x0: steps.x0_scale[k],
        previousX0: steps.previous_x0_scale[k],
        noise: steps.noise_scale[k],
      };
      reverseStep(x, eps.data, x0Prev, steps.alphas_cumprod[k], scales, steps.clip_range, normal);
    }
    const { raw, powers } = toPowers(x, n, m, maxPowerW, setting.power_levels);
    const sampled = performance.now();
    const rates = this.rates(powers, network);
    const timeShared = new Float64Array(n);
    for (const r of rates) for (let i = 0; i < n; i++) timeShared[i] += r[i] / m;
    const done = performance.now();
    return {
      raw,
      powers,
      rates,
      timeShared,
      samplingSeconds: (sampled - started) / 1000,
      rateSeconds: (done - sampled) / 1000,
    };
  }
}

// The figures of one press: powers users x samples (mW) and each user's time-shared rate against the
// expert's (where the bundle has it at this f_min) and the f_min line; bundle.figures are the templates.
function draw(root, bundle, result, network, fMin) {
  const [powersDiv, ratesDiv] = [root.querySelector("[data-role=powers]"), root.querySelector("[data-role=rates]")];
  const n = bundle.num_pairs;
  const m = result.powers.length;
  const heat = structuredClone(bundle.figures.powers);
  heat.data[0].z = Array.from({ length: n }, (_, i) => result.powers.map((p) => p[i] * 1000));
  heat.data[0].x = Array.from({ length: m }, (_, s) => s + 1);
  heat.layout.annotations = [];
  Plotly.react(powersDiv, heat.data, heat.layout);
  const bars = structuredClone(bundle.figures.rates);
  const expert = bundle.networks[network].expert;
  const expertHere = expert !== null && Math.abs(expert.f_min - fMin) < 1e-9;
  bars.data[0].y = Array.from(result.timeShared);
  bars.data[1].y = expertHere ? expert.rates : [];
  bars.data[1].visible = expertHere;
  bars.data[2].y = [fMin, fMin];
  bars.layout.annotations = [];
  Plotly.react(ratesDiv, bars.data, bars.layout);
}

// Wire the controls under `root` (gsdiff.viz.browser_sampler_html) to a Sampler: `baseUrl` holds bundle.json
// and the model, `ortUrl` onnxruntime-web's WASM files. Exposes window.gsdiffSampler (for tests and the
// console): { ready, bundle, sample(options), rates(powers, network), presses, last }.
export async function mount(root, ort, baseUrl, ortUrl) {
  const control = (role) => root.querySelector(`[data-role=${role}]`);
  const [button, status] = [control("sample"), control("status")];
  const base = new URL(baseUrl, document.baseURI);
  // WASM on one thread: no SharedArrayBuffer, so no cross-origin-isolation headers on a static host.
  ort.env.wasm.wasmPaths = new URL(ortUrl, document.baseURI).href;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const api = { presses: 0, last: null };
  window.gsdiffSampler = api;
  api.ready = (async () => {
    const bundle = await (await fetch(new URL("bundle.json", base))).json();
    api.bundle = bundle;
    for (const [name, figure] of Object.entries(bundle.figures)) {
      Plotly.newPlot(control(name), figure.data, figure.layout);
    }
    const sampler = await Sampler.load(ort, bundle, base);
    api.sample = (options) => sampler.sample(options);
    api.rates = (powers, network) => sampler.rates(powers, network).map((r) => Array.from(r));
    return sampler;
  })();
  let sampler;
  try {
    sampler = await api.ready;
  } catch (error) {
    status.textContent = `The sampler could not start: ${error}`;
    throw error;
  }
  status.textContent = "Ready: choose a network and f_min, then press sample.";
  button.disabled = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const network = Number(control("network").value);
    const fMin = Number(control("f-min").value);
    const numSamples = Number(control("samples").value);
    const seed = Number(control("seed").value);
    status.textContent = `Sampling ${numSamples} allocations...`;
    let result;
    try {
      result = await sampler.sample({ network, fMin, numSamples, seed });
    } catch (error) {
      status.textContent = `Sampling failed: ${error}`;
      button.disabled = false;
      throw error;
    }
    draw(root, sampler.bundle, result, network, fMin);
    const seconds = result.samplingSeconds + result.rateSeconds;
    const per100 = (seconds * 100) / numSamples;
    const served = Array.from(result.timeShared).filter((r) => r >= fMin).length;
    status.textContent =
      `Seed ${seed}: ${numSamples} samples in ${seconds.toFixed(2)} s (${per100.toFixed(2)} s per 100 samples: ` +
      `${sampler.bundle.steps.timesteps.length} ${sampler.bundle.steps.sampler} steps ` +
      `${result.samplingSeconds.toFixed(2)} s, exact rates ` +
      `${result.rateSeconds.toFixed(2)} s; ${sampler.bundle.setting.label}); ` +
      `${served} of ${sampler.bundle.num_pairs} users at f_min or above.`;
    control("seed").value = String(seed + 1); // the next press draws new samples; set it back to repeat one
    api.presses += 1;
    api.last = { network, fMin, numSamples, seed, secondsPer100: per100, ...result };
    button.disabled = false;
  });
}
