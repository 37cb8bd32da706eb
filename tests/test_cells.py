"""lstm_course.cells against torch.nn's cells in float64, plus gradcheck."""

import pytest
import torch
from torch import nn

from lstm_course import cells

I, H, B = 3, 4, 5
TOL = {"rtol": 0, "atol": 1e-10}
CELLS = {
    "RNNCell": (cells.RNNCell, nn.RNNCell, {}),
    "RNNCell-relu": (cells.RNNCell, nn.RNNCell, {"nonlinearity": "relu"}),
    "LSTMCell": (cells.LSTMCell, nn.LSTMCell, {}),
    "GRUCell": (cells.GRUCell, nn.GRUCell, {}),
}


def make_pair(name, bias=True):
    ours_cls, torch_cls, kwargs = CELLS[name]
    theirs = torch_cls(I, H, bias=bias, **kwargs).double()
    ours = ours_cls(I, H, bias=bias, **kwargs).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def random_state(name, batch_shape, generator):
    h = torch.randn(*batch_shape, H, dtype=torch.float64, generator=generator)
    if name == "LSTMCell":
        return h, torch.randn(*batch_shape, H, dtype=torch.float64, generator=generator)
    return h


def flat(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("name", CELLS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_cell_matches_torch_values_and_gradients(name, bias, with_state):
    generator = torch.Generator().manual_seed(1)
    ours, theirs = make_pair(name, bias)
    x = torch.randn(B, I, dtype=torch.float64, generator=generator)
    state = random_state(name, (B,), generator) if with_state else None
    results = []
    for model in (ours, theirs):
        xi = x.clone().requires_grad_()
        out = flat(model(xi, state))
        loss = sum((o * torch.arange(o.numel(), dtype=o.dtype).view_as(o)).sum() for o in out)
        model.zero_grad()
        loss.backward()
        results.append((out, xi.grad, {n: p.grad for n, p in model.named_parameters()}))
    (ours_out, ours_xg, ours_pg), (theirs_out, theirs_xg, theirs_pg) = results
    for got, expected in zip(ours_out, theirs_out, strict=True):
        torch.testing.assert_close(got, expected, **TOL)
    torch.testing.assert_close(ours_xg, theirs_xg, **TOL)
    assert ours_pg.keys() == theirs_pg.keys()
    for key in ours_pg:
        torch.testing.assert_close(ours_pg[key], theirs_pg[key], **TOL, msg=f"gradient of {key}")


@pytest.mark.parametrize("name", CELLS)
def test_unbatched_input_matches_torch(name):
    generator = torch.Generator().manual_seed(2)
    ours, theirs = make_pair(name)
    x = torch.randn(I, dtype=torch.float64, generator=generator)
    for state in (None, random_state(name, (), generator)):
        for got, expected in zip(flat(ours(x, state)), flat(theirs(x, state)), strict=True):
            assert got.shape == (H,)
            torch.testing.assert_close(got, expected, **TOL)


@pytest.mark.parametrize("name", CELLS)
def test_gradcheck(name):
    ours, _ = make_pair(name)
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(2, I, dtype=torch.float64, generator=generator, requires_grad=True)
    state = random_state(name, (2,), generator)
    if isinstance(state, tuple):
        state = tuple(s.requires_grad_() for s in state)

        def fn(x, h, c):
            return ours(x, (h, c))

        assert torch.autograd.gradcheck(fn, (x, *state))
    else:
        state.requires_grad_()
        assert torch.autograd.gradcheck(ours, (x, state))
    params = tuple(ours.parameters())
    assert torch.autograd.gradcheck(
        lambda *p: flat(torch.func.functional_call(ours, dict(zip(dict(ours.named_parameters()), p)), (x.detach(),))),
        params,
    )


@pytest.mark.parametrize("name", CELLS)
def test_state_dicts_load_both_ways(name):
    ours_cls, torch_cls, kwargs = CELLS[name]
    ours, theirs = ours_cls(I, H, **kwargs), torch_cls(I, H, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())
    assert all(torch.equal(p, q) for p, q in zip(ours.parameters(), theirs.parameters(), strict=True))


@pytest.mark.parametrize("name", CELLS)
def test_same_seed_gives_the_same_initial_weights_as_torch(name):
    ours_cls, torch_cls, kwargs = CELLS[name]
    torch.manual_seed(7)
    ours = ours_cls(I, H, **kwargs)
    torch.manual_seed(7)
    theirs = torch_cls(I, H, **kwargs)
    for (key, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert p.shape == q.shape and torch.equal(p, q), key
    bound = 1 / H**0.5
    assert all(p.abs().max() <= bound for p in ours.parameters())


def test_lstm_gates_are_the_same_step_as_forward():
    ours, _ = make_pair("LSTMCell")
    x = torch.randn(B, I, dtype=torch.float64)
    state = (torch.randn(B, H, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64))
    step = ours.gates(x, state)
    h, c = ours(x, state)
    assert torch.equal(step.h, h) and torch.equal(step.c, c)
    torch.testing.assert_close(step.c, step.f * state[1] + step.i * step.g, **TOL)
    torch.testing.assert_close(step.h, step.o * torch.tanh(step.c), **TOL)
    for gate in (step.i, step.f, step.o):
        assert ((gate > 0) & (gate < 1)).all()


def test_lstm_gate_blocks_follow_pytorch_order_i_f_g_o():
    """Saturate one block of the bias at a time and watch the matching gate open."""
    cell = cells.LSTMCell(I, H).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
    x = torch.zeros(I, dtype=torch.float64)
    for k, name in enumerate("ifgo"):
        with torch.no_grad():
            cell.bias_ih.zero_()
            cell.bias_ih[k * H : (k + 1) * H] = 20.0
        step = cell.gates(x)
        assert torch.all(getattr(step, name) > 0.99), name
        others = [getattr(step, n) for n in "ifo" if n != name]
        assert all(torch.allclose(g, torch.full_like(g, 0.5)) for g in others), name


def test_gru_gates_are_the_same_step_as_forward():
    ours, theirs = make_pair("GRUCell")
    x, h = torch.randn(B, I, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    step = ours.gates(x, h)
    torch.testing.assert_close(step.h, theirs(x, h), **TOL)
    torch.testing.assert_close(step.h, (1 - step.z) * step.n + step.z * h, **TOL)


def test_lstm_gates_unbatched_shapes():
    step = cells.LSTMCell(I, H).gates(torch.ones(I))
    assert all(t.shape == (H,) for t in step)


@pytest.mark.parametrize("name", CELLS)
def test_keyword_calls_use_torch_argument_names(name):
    generator = torch.Generator().manual_seed(2)
    ours, theirs = make_pair(name)
    x = torch.randn(B, I, dtype=torch.float64, generator=generator)
    hx = random_state(name, (B,), generator)
    for got, expected in zip(flat(ours(input=x, hx=hx)), flat(theirs(input=x, hx=hx)), strict=True):
        torch.testing.assert_close(got, expected, **TOL)


@pytest.mark.parametrize("module_name", ["cells", "layers", "fast", "gradients", "validation"])
def test_docstrings_write_equations_in_unicode_not_latex(module_name):
    """help() shows docstrings as plain text, so equations use σ, ⊙, ᵀ rather than \\sigma or .. math::."""
    import importlib
    import inspect

    module = importlib.import_module(f"lstm_course.{module_name}")
    objects = [module] + [obj for _, obj in inspect.getmembers(module) if getattr(obj, "__module__", None)
                          == module.__name__]
    objects += [member for obj in objects if inspect.isclass(obj) for member in vars(obj).values()
                if inspect.isfunction(member)]
    for obj in objects:
        doc = inspect.getdoc(obj) or ""
        for latex in (".. math::", ":math:", "\\sigma", "\\odot", "\\tanh", "\\begin"):
            assert latex not in doc, f"{getattr(obj, '__qualname__', module_name)} docstring has {latex!r}"
