"""On a CUDA device: the spectral-normalized architectures compile as one graph (no breaks)
and train a step under bf16 autocast. Skipped, with the reason, where there is no GPU."""
import pytest
import torch

from ganbench.components import resolve

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (torch.compile + bf16 check)"),
]


@pytest.mark.parametrize("name", ["biggan", "biggan_deep", "sagan", "dcgan"])
def test_compiles_without_graph_breaks_and_matches_eager(name):
    torch._dynamo.reset()    # each architecture compiles from a clean cache (no recompile limit)
    torch.manual_seed(0)
    G, D = resolve("architectures", name, resolution=32, channels=3, num_classes=10, base_width=16)
    G, D = G.cuda(), D.cuda()
    z, y = torch.randn(8, G.z_dim, device="cuda"), torch.randint(0, 10, (8,), device="cuda")
    G.eval(), D.eval()   # eval: no power-iteration update, so eager and compiled see the same weights
    with torch.no_grad():
        eager = D(G(z, y), y)
    cG, cD = torch.compile(G, fullgraph=True), torch.compile(D, fullgraph=True)
    with torch.no_grad():
        compiled = cD(cG(z, y), y)
    # Inductor reorders reductions and picks other conv kernels: agree to a few 1e-3.
    torch.testing.assert_close(compiled, eager, rtol=1e-2, atol=5e-3)

    G.train(), D.train()
    opt = torch.optim.Adam(list(G.parameters()) + list(D.parameters()), lr=1e-4)
    loss = resolve("losses", "hinge")
    # A layer with one output row (the head's c(h)) has u = [1] for good: skip those.
    u_before = [m.u.clone() for m in D.modules() if hasattr(m, "u") and m.u.numel() > 1]
    def d_step():            # D scores reals and fakes, then one backward, as the loop does
        with torch.autocast("cuda", dtype=torch.bfloat16):
            fake = cG(z, y)
            d_loss = loss.d_loss(cD(fake * 0.5, y).float(), cD(fake.detach(), y).float())
        opt.zero_grad()
        d_loss.backward()
        opt.step()
        assert torch.isfinite(d_loss)

    d_step()
    # Later steps must reuse the graphs: a recompile (e.g. a guard on the rebound u buffers)
    # would make every step slow.
    with torch._dynamo.config.patch(error_on_recompile=True):
        d_step()
        d_step()
    u_after = [m.u for m in D.modules() if hasattr(m, "u") and m.u.numel() > 1]
    assert all(a.dtype == torch.float32 for a in u_after)
    assert all(not torch.equal(a, b) for a, b in zip(u_after, u_before))   # power iteration ran
