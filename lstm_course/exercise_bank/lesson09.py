"""Exercise for lesson 09 (a character model that writes Python): sampling with temperature and top-k.

The learner writes `sample_with_temperature(logits, temperature, top_k, generator)`, returning the
id drawn and the distribution it was drawn from. The distribution is checked exactly against the
lesson's `charlm.next_char_probs` (softmax of logits / T over the top k, 0 elsewhere; T = 0 is the
argmax). The draws are random, so they are checked statistically: over `DRAWS` draws the empirical
frequencies must be within a total-variation distance `MAX_TV` of that distribution (the bank's
tests simulate a correct sampler on these cases and measure how far its draws stray), and a one-hot
distribution must give its argmax every time. Determinism is checked too: the same generator seed
must give the same ids whatever the global random state, so a sampler that ignores its generator
is caught. Known mistakes are recognised by the distribution they return.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..charlm import next_char_probs
from .spec import BadAnswer, Exercise, Wrong, as_array, tensor

NOTEBOOK = "09_char_model_python"
DRAWS = 2000  # draws per case and per pass
MAX_TV = 0.1  # the largest total-variation distance between the draws and their distribution that passes
GLOBAL_SEEDS = (1, 2)  # the global random state is set to each in turn; the answer's draws must not change
SETTINGS = ((0.5, None, "T=0.5, no top-k"), (2.0, 3, "T=2, top-k 3"), (1.0, 10, "T=1, top-k = V: no cut"),
            (0.0, None, "T=0: always the argmax"), (1.5, 1, "top-k 1: always the argmax"))

UNNORMALISED = "the top-k probabilities do not add up to 1: renormalise after cutting (or cut the logits to -inf " \
               "before the softmax)"
IGNORES_GENERATOR = "the same generator seed gave different ids when the global random state changed: draw with " \
                    "torch.multinomial(probs, 1, generator=generator)"


def sample_with_temperature(logits, temperature, top_k, generator):
    """Reference: (id drawn, probabilities (V,)) from softmax(logits / T) over the top_k logits; T = 0: argmax."""
    if top_k is not None:
        kth = logits.topk(min(top_k, logits.shape[-1])).values[-1]  # the k-th largest logit
        logits = logits.masked_fill(logits < kth, -math.inf)  # (V,)
    if temperature == 0:
        probs = torch.zeros_like(logits)
        probs[logits.argmax()] = 1.0
    else:
        probs = torch.softmax(logits / temperature, dim=-1)  # (V,)
    return int(torch.multinomial(probs, 1, generator=generator)), probs


def _cases(rng):
    return [{"about": about, "logits": (rng.standard_normal(10) * 2.0).tolist(), "temperature": T, "top_k": k,
             "seed": int(rng.integers(2**31))} for T, k, about in SETTINGS]


def _call(answer, case):
    """Probabilities from the first call; counts of DRAWS ids; whether two passes with one seed agree."""
    logits = tensor(case["logits"])  # (V,)
    V = len(logits)
    state = torch.get_rng_state()
    passes, probs = [], None
    try:
        for global_seed in GLOBAL_SEEDS:
            torch.manual_seed(global_seed)
            generator = torch.Generator().manual_seed(case["seed"])
            ids = []
            for _ in range(DRAWS):
                result = answer(logits.clone(), case["temperature"], case["top_k"], generator)
                if not isinstance(result, tuple) or len(result) != 2:
                    raise TypeError(f"expected (id, probs), got {type(result).__name__}")
                next_id, p = result
                next_id = int(next_id)
                if not 0 <= next_id < V:
                    raise ValueError(f"expected an id in 0..{V - 1}, got {next_id}")
                ids.append(next_id)
                probs = p if probs is None else probs
            passes.append(ids)
    finally:
        torch.set_rng_state(state)
    counts = np.bincount(passes[0], minlength=V).astype(np.float64)
    return {"probs": probs, "counts": counts, "repeat": float(passes[0] == passes[1])}


def _probs_of(function, case) -> np.ndarray:
    generator = torch.Generator().manual_seed(0)
    return np.asarray(function(tensor(case["logits"]), case["temperature"], case["top_k"], generator)[1],
                      dtype=np.float64)


def _grade(value, case, key=0) -> tuple[float, str]:
    """1 for the right distribution and draws that follow it from the generator; 0.5 for the right
    distribution drawn wrongly; 0 for a wrong distribution (with the likely cause)."""
    about = f"case {case['about']}"
    logits = tensor(case["logits"])
    expected = next_char_probs(logits, case["temperature"], case["top_k"]).numpy()  # (V,)
    try:
        if not isinstance(value, dict) or set(value) != {"probs", "counts", "repeat"}:
            raise BadAnswer("expected the probabilities and the draws")
        probs, counts = as_array(value["probs"]).reshape(-1), as_array(value["counts"]).reshape(-1)
    except (BadAnswer, ValueError) as error:
        return 0.0, f"{about}: {error}"
    if probs.shape != expected.shape or not np.all(np.isfinite(probs)):
        return 0.0, f"{about}: expected {expected.shape[0]} finite probabilities, got shape {probs.shape}"
    if not np.allclose(probs, expected, atol=1e-6, rtol=1e-6):
        k = int(np.argmax(np.abs(probs - expected)))
        return 0.0, (f"{about}: probs[{k}]: expected {expected[k]:.4g}, got {probs[k]:.4g} (they add up to "
                     f"{probs.sum():.4g}){_hint(probs, case)}")
    frequencies = counts / max(counts.sum(), 1.0)
    tv = 0.5 * float(np.abs(frequencies - expected).sum())
    one_hot = expected.max() == 1.0
    if (one_hot and frequencies[int(expected.argmax())] != 1.0) or tv > MAX_TV:
        return 0.5, (f"{about}: the distribution is right, but the draws do not follow it: expected a total-variation "
                     f"distance of at most {MAX_TV} over {DRAWS} draws, got {tv:.3f} (draw with torch.multinomial "
                     "from the probabilities you return)")
    if value["repeat"] != 1.0:
        return 0.5, (f"{about}: the distribution is right, but expected the same ids from the same seed — "
                     f"{IGNORES_GENERATOR}")
    return 1.0, "the draws follow softmax(logits / T) over the top k, the same ids from the same seed."


def _hint(probs, case) -> str:
    for wrong in SAMPLE.wrong:
        try:
            if np.allclose(probs, _probs_of(wrong.call, case), atol=1e-6, rtol=1e-6):
                return f" — {wrong.hint}"
        except Exception:  # a mistake that does not apply to this case
            continue
    return ""


def _multiplied(logits, temperature, top_k, generator):
    if top_k is not None:
        kth = logits.topk(min(top_k, len(logits))).values[-1]
        logits = logits.masked_fill(logits < kth, -math.inf)
    probs = torch.softmax(logits * temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator)), probs


def _cut_after_softmax(logits, temperature, top_k, generator):
    probs = torch.softmax(logits / temperature, dim=-1) if temperature else torch.nn.functional.one_hot(
        logits.argmax(), len(logits)).to(logits.dtype)
    if top_k is not None:
        kth = probs.topk(min(top_k, len(probs))).values[-1]
        probs = probs.masked_fill(probs < kth, 0.0)  # not renormalised
    return int(torch.multinomial(probs, 1, generator=generator)), probs


def _masked_to_zero(logits, temperature, top_k, generator):
    if top_k is not None:
        kth = logits.topk(min(top_k, len(logits))).values[-1]
        logits = logits.masked_fill(logits < kth, 0.0)  # a logit of 0 still has weight e^0
    probs = torch.softmax(logits / temperature, dim=-1) if temperature else torch.nn.functional.one_hot(
        logits.argmax(), len(logits)).to(logits.dtype)
    return int(torch.multinomial(probs, 1, generator=generator)), probs


def _global_random_state(logits, temperature, top_k, generator):
    if top_k is not None:
        kth = logits.topk(min(top_k, len(logits))).values[-1]
        logits = logits.masked_fill(logits < kth, -math.inf)
    probs = torch.softmax(logits / temperature, dim=-1) if temperature else torch.nn.functional.one_hot(
        logits.argmax(), len(logits)).to(logits.dtype)
    return int(torch.multinomial(probs, 1)), probs  # the generator is never used


SAMPLE = Exercise(
    id="sample_with_temperature", notebook=NOTEBOOK, name="sample_with_temperature", points=100,
    cases=_cases, call=_call, reference=sample_with_temperature, grade=_grade,
    wrong=(
        Wrong(_multiplied, "the logits were multiplied by T: divide them (T < 1 must sharpen, T > 1 flatten)"),
        Wrong(_cut_after_softmax, UNNORMALISED),
        Wrong(_masked_to_zero, "the logits outside the top k were set to 0, which still has weight e^0 = 1: set "
              "them to -inf"),
        Wrong(_global_random_state, IGNORES_GENERATOR),
    ),
)

EXERCISES = (SAMPLE,)
