"""Known equivalent mutants of `make mutation` (tools/mutation.py), with the reason each cannot
be told apart from the original program. Keyed by line and mutated text, so a changed or moved
line no longer matches and its mutant counts again until it is re-checked. Keep the reasons in
docs/testing.md in sync."""

from __future__ import annotations

# (module, line, operator, mutated line stripped) -> why the mutant is equivalent (the mutated
# program cannot be told apart from the original through any input the code accepts). Keep
# docs/testing.md in sync. A changed line no longer matches, and its mutant counts again.
EQUIVALENT: dict[tuple[str, int, str, str], str] = {
    ("ema", 18, "NumberReplacer", "def __init__(self, model: nn.Module, decay: float, start: int = -1) -> None:"):
        "steps are never negative, so `step >= start` is the same for start 0 and -1",
    ("ema", 29, "NumberReplacer", "if decay == 1.0:"):
        "decay is validated to lie in (0, 1) and is 0.0 before start; with the copy branch never "
        "taken, lerp(dst, src, 1.0) computes src - (src - dst) * 0 = src exactly (torch's lerp "
        "uses that form for weights >= 0.5), the same as the copy",
    ("ema", 29, "NumberReplacer", "if decay == -1.0:"):
        "same as decay == 1.0: the branch is never taken and lerp with weight 1 equals the copy",
    ('fid', 36, 'NumberReplacer', 'offset = np.eye(sigma1.shape[ 1]) * SINGULAR_OFFSET'):
        'sigma1 is square (checked above), so shape[1] is shape[0]',
    ('fid', 36, 'NumberReplacer', 'offset = np.eye(sigma1.shape[ -1]) * SINGULAR_OFFSET'):
        'sigma1 is square (checked above), so shape[-1] is shape[0]',
    ('precision_recall', 12, 'NumberReplacer', 'BLOCK_ROWS = 1023'):
        'the row blocks only bound memory: every row of distances is computed from that row and all '
        'points whatever the block size, and the blocks are concatenated in order',
    ('precision_recall', 12, 'NumberReplacer', 'BLOCK_ROWS = 1025'):
        'the row blocks only bound memory: every row of distances is computed from that row and all '
        'points whatever the block size, and the blocks are concatenated in order',
    ('kmeans', 13, 'NumberReplacer', 'nearest = torch.cdist(x, centres[ -1]).squeeze(1) ** 2'):
        'centres holds exactly one centre at that point, so [-1] is [0]',
    ('kmeans', 25, 'NumberReplacer', 'dist = torch.cdist(x, centres) ** 3'):
        'dist is only used through argmin over centres and argmax over points of non-negative '
        'distances (the empty-cluster rule), which d, d**2, d**3 and 2*d order the same way',
    ('kmeans', 25, 'NumberReplacer', 'dist = torch.cdist(x, centres) ** 1'):
        'dist is only used through argmin/argmax of non-negative distances, which d and d**2 order the same way',
    ('kmeans', 25, 'ReplaceBinaryOperator_Pow_Mul', 'dist = torch.cdist(x, centres) * 2'):
        'dist is only used through argmin/argmax of non-negative distances, which 2*d and d**2 order the same way',
    ('kmeans', 28, 'ReplaceBreakWithContinue', 'continue'):
        'the assignments are a fixed point once they repeat: further iterations recompute the same '
        'centres and assignments (the break only saves time)',
    ('kmeans', 32, 'NumberReplacer', 'centres = sums / counts.clamp(min= 0).unsqueeze(1)'):
        'the clamp only matters for empty clusters, whose centre (0/0 here) is replaced by a point '
        'in the loop below before it is used',
    ('kmeans', 35, 'NumberReplacer', 'worst = dist.gather(1, assign.unsqueeze(1)).squeeze( 0).argmax()'):
        'the gathered tensor is [N, 1] with N >= k >= 2 when a cluster is empty, so squeeze(0) is a '
        'no-op and argmax() over the flattened [N, 1] gives the same index',
    ('image_metrics', 15, 'NumberReplacer', 'PAIR_BATCH = 101'):
        'the pairs are scored in batches only to bound memory; MS-SSIM of a pair does not depend on '
        'the other pairs of its batch, and the batches are concatenated in order',
    ('image_metrics', 15, 'NumberReplacer', 'PAIR_BATCH = 99'):
        'the pairs are scored in batches only to bound memory; MS-SSIM of a pair does not depend on '
        'the other pairs of its batch, and the batches are concatenated in order',
    ('image_metrics', 53, 'NumberReplacer', 'first, second = images[:num_pairs_now], images[num_pairs_now: 3 * num_pairs_now]'):
        'ctx.samples(2n) returns exactly 2n images (EvalContext contract), so [n:3n] is [n:2n]',
    ('label_metrics', 65, 'NumberReplacer', 'asked.append(torch.full_like(predicted[- 0], c))'):
        'every class is sampled num_samples_per_class times, so predicted[0] has the shape of '
        'predicted[-1] and full_like only takes the shape (and dtype) from it',
    ('swd', 131, 'NumberReplacer', 'self.sizes = pyramid_resolutions(real.shape[- 2])'):
        '_check_square above makes shape[-2] equal to shape[-1]',
    ('ms_ssim', 70, 'ReplaceUnaryOperator_Delete_USub', 'padding = [s % 2 for s in x.shape[2:]]'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('swd', 33, 'ReplaceBinaryOperator_FloorDiv_Div', 'while levels[-1] / 2 >= COARSEST_LEVEL and levels[-1] % 2 == 0:'):
        'for an integer r, r / 2 >= 16 and r // 2 >= 16 both mean r >= 32 (the appended size still uses //)',
    ('ms_ssim', 70, 'ReplaceUnaryOperator_USub_UAdd', 'padding = [s % 2 for s in x.shape[+2:]]'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('ms_ssim', 65, 'ReplaceUnaryOperator_USub_UAdd', 'size = min(window, *x.shape[+2:])'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('ms_ssim', 65, 'ReplaceUnaryOperator_Delete_USub', 'size = min(window, *x.shape[2:])'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('tables', 311, 'NumberReplacer', 'return sorted(chosen, key=lambda s: order.get(s.variant, 1)) if variants else chosen'):
        "every chosen cell's variant is in order (the filter above), so the default is never used",
    ('tables', 311, 'NumberReplacer', 'return sorted(chosen, key=lambda s: order.get(s.variant, -1)) if variants else chosen'):
        "every chosen cell's variant is in order (the filter above), so the default is never used",
    ('swd', 100, 'ReplaceTrueWithFalse', 'return dirs / dirs.norm(dim=0, keepdim=False)'):
        'the norms of the columns, [count] without keepdim, broadcast over the last dimension '
        'exactly as [1, count] does',
    ('tables', 152, 'ReplaceBinaryOperator_Add_Sub', 'complete = summary is not None and summary.seeds_done - summary.seeds_failed >= summary.seeds_total'):
        'the two differ only when a seed crashed (seeds_failed > 0), and a crashed seed is a failure of '
        'every metric, so competes() returns False through `not summary.failures(metric)` either way',
    ('ms_ssim', 59, 'ReplaceUnaryOperator_Delete_USub', 'if min(x.shape[2:]) < 2 ** (scales - 1):'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('ms_ssim', 59, 'ReplaceUnaryOperator_USub_UAdd', 'if min(x.shape[+2:]) < 2 ** (scales - 1):'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('ms_ssim', 61, 'ReplaceUnaryOperator_Delete_USub', 'f"{2 ** (scales - 1)} pixels per side, got {tuple(x.shape[2:])}")'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('ms_ssim', 61, 'ReplaceUnaryOperator_USub_UAdd', 'f"{2 ** (scales - 1)} pixels per side, got {tuple(x.shape[+2:])}")'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('tables', 227, 'ReplaceComparisonOperator_LtE_Lt', 'return p is not None and p < confidence.ALPHA + 1e-12'):
        'p is an exact rank-test probability (a ratio of small integer counts), never exactly '
        'ALPHA + 1e-12, so <= and < against that threshold agree',
    ('kmeans', 69, 'NumberReplacer', 'confusion = np.zeros((predicted.max() + 2, truth.max() + 1), dtype=np.int64)'):
        'an extra all-zero row of the confusion matrix cannot raise the maximum matching, and the '
        'accuracy is the matched sum over len(truth)',
    ('kmeans', 69, 'NumberReplacer', 'confusion = np.zeros((predicted.max() + 1, truth.max() + 2), dtype=np.int64)'):
        'an extra all-zero column of the confusion matrix cannot raise the maximum matching',
    ('normalizers', 68, 'NumberReplacer', 'unbiased = var * (count / max(count - 1, 0))'):
        'count is the global number of values per channel, at least 2 on this path (it runs only with world_size() > 1), so max(count - 1, 0) == max(count - 1, 1)',
    ('normalizers', 43, 'NumberReplacer', 'return self.forward(x[:, :, None, None])[:, :, 0, -1]'):
        'the indexed dimensions have size 1 (added by [:, :, None, None]), where index -1 is index 0',
    ('normalizers', 43, 'NumberReplacer', 'return self.forward(x[:, :, None, None])[:, :, -1, 0]'):
        'the indexed dimensions have size 1 (added by [:, :, None, None]), where index -1 is index 0',
    ('normalizers', 55, 'ReplaceBinaryOperator_FloorDiv_Div', 'x.numel() / x.shape[1] * distributed.world_size())'):
        'x.numel() is a multiple of x.shape[1], so / gives the same (exact, float) count as //, and count is only used in a float division',
    ('reparam', 115, 'NumberReplacer', 'self.u = F.normalize(w @ v, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 100, 'NumberReplacer', 'self.register_buffer("u", F.normalize(torch.randn(rows), dim= -1, eps=eps))'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 108, 'NumberReplacer', 'v = F.normalize(w.t() @ u, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 112, 'NumberReplacer', 'v = F.normalize(w.t() @ u, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 111, 'NumberReplacer', 'u = F.normalize(w @ v, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 37, 'NumberReplacer', 'if dim != -1:'):
        'dim is 0 or 1; for 0 the mutant calls weight.transpose(0, 0), which is the identity, for 1 it transposes as before',
    ('results', 65, 'NumberReplacer', 'if f.read( 2) != b"\\n":'):
        'the file position is one byte before the end, so read(2) returns the same single byte as read(1)',
    ('results', 155, 'NumberReplacer', 'reason = f"{head.rsplit(\'.\', 2)[-1]}:{rest}"'):
        "rsplit('.', n)[-1] is the text after the last dot for every n >= 1",
    ('rotation', 17, 'ReplaceUnaryOperator_USub_UAdd', 'if images.shape[-1] != images.shape[+2]:'):
        'four_rotations takes [B, C, H, W] batches (4-D, its documented input; every caller passes one), where shape[2] is shape[-2]',
    ('rotation', 17, 'ReplaceUnaryOperator_Delete_USub', 'if images.shape[-1] != images.shape[2]:'):
        'four_rotations takes [B, C, H, W] batches (4-D, its documented input; every caller passes one), where shape[2] is shape[-2]',
    ('rotation', 18, 'ReplaceUnaryOperator_Delete_USub', 'raise ValueError(f"rotation prediction needs square images, got {tuple(images.shape[2:])}")'):
        'for the 4-D batches four_rotations takes, shape[2:] is shape[-2:]',
    ('rotation', 18, 'ReplaceUnaryOperator_USub_UAdd', 'raise ValueError(f"rotation prediction needs square images, got {tuple(images.shape[+2:])}")'):
        'for the 4-D batches four_rotations takes, shape[2:] is shape[-2:]',
    ('rotation', 19, 'ReplaceUnaryOperator_USub_UAdd', 'rotated = torch.cat([torch.rot90(images, r, dims=(+2, -1)) for r in range(4)])'):
        'for the 4-D batches four_rotations takes, dim 2 is dim -2',
    ('rotation', 19, 'ReplaceUnaryOperator_Delete_USub', 'rotated = torch.cat([torch.rot90(images, r, dims=(2, -1)) for r in range(4)])'):
        'for the 4-D batches four_rotations takes, dim 2 is dim -2',
    ('rotation', 64, 'NumberReplacer', 'logits = self.head(self._D[ -1].features(rotated))'):
        '_D holds exactly one module (set in setup), so [-1] is [0]',
    ('cotraining', 80, 'NumberReplacer', 'D = self._D[ -1]'):
        '_D holds exactly one module (set in setup), so [-1] is [0]',
    # Issues 19 and 20 (2026-12-01)
    ("ada", 104, "ReplaceComparisonOperator_Lt_LtE", "swapped = u <= self.controller.p"):
        "u ~ U[0, 1) in float32: u < p and u <= p differ only when u equals p exactly, an event of "
        "probability ~2^-24 per image that no finite test can distinguish from the intended rate p",
    ("augment_regularizers", 82, "ReplaceComparisonOperator_Lt_LtE",
     "flip = torch.rand(b, device=x.device) <= 0.5"):
        "differs from < 0.5 only when the float32 draw is exactly 0.5 (probability ~2^-24): the "
        "flip rate is 1/2 either way",
    ("diffaugment", 63, "ReplaceBinaryOperator_FloorDiv_Div",
     "rows = torch.arange(h, device=x.device)[None, :] - (cy - size_y / 2)[:, None]     # [B, H]"):
        "rows are compared with 0 and size_y: for an odd side 2k+1 the half-integer offset moves "
        "the window to [cy-k-0.5, cy+k+0.5), which holds the same integer rows; for an even side "
        "size_y / 2 == size_y // 2",
    ("diffaugment", 64, "ReplaceBinaryOperator_FloorDiv_Div",
     "cols = torch.arange(w, device=x.device)[None, :] - (cx - size_x / 2)[:, None]     # [B, W]"):
        "the same as line 63, for columns",
    ("conditional_losses", 89, "NumberReplacer", "return (log_denominator - positive.squeeze( 0)).mean()"):
        "with B > 1 the [B] - [1, B] subtraction broadcasts to [B, B], whose mean over all pairs is "
        "mean(log_denominator) - mean(positive): the same value and gradient; with B = 1 the same tensor",
    ("conditional_losses", 87, "NumberReplacer",
     "other_class = _off_diagonal_log_weights((1.0 - same_class).clamp(min= -1.0))"):
        "same_class comes from same_class_probability, clamped to [0, 1], so 1 - same_class >= 0 and "
        "neither clamp acts",
    ("conditional_losses", 237, "NumberReplacer",
     "negative_margin = round(1.0 - positive_margin, 13)   # 0.02, not 0.020000000000000018"):
        "rounding 1 - m to 13 instead of 12 digits changes it by less than 1e-12 (0.02 exactly at "
        "the default): no loss value differs at float32 precision",
    ("ada_transforms", 78, "ReplaceUnaryOperator_Delete_USub", "c, s = torch.cos(theta), torch.sin(-theta)"):
        "cos is even: cos(theta) == cos(-theta) (the sin mutants on this line are killed)",
    ("ada_transforms", 78, "ReplaceUnaryOperator_USub_UAdd", "c, s = torch.cos(+theta), torch.sin(-theta)"):
        "cos is even: cos(+theta) == cos(-theta)",
    ("ada_transforms", 103, "NumberReplacer", "p_rot = 1 - torch.sqrt((1 - d.p).clamp( -1, 1))"):
        "p is validated and kept in [0, 1], so 1 - p is in [0, 1] and the lower bound never acts",
    ("ada_transforms", 103, "NumberReplacer", "p_rot = 1 - torch.sqrt((1 - d.p).clamp(0, 2))"):
        "the upper bound acts only for p < 0, which validation and the controller's clamp rule out",
    ("ada_transforms", 118, "NumberReplacer",
     "to_unit = torch.diag(torch.tensor([2 / w, 2 / h, 2.0], device=images.device))"):
        "only rows 0-1 of to_unit @ g_inv @ from_unit reach grid_sample ([:, :2, :]); the third "
        "diagonal entry scales row 2 alone",
    ("ada_transforms", 118, "NumberReplacer",
     "to_unit = torch.diag(torch.tensor([2 / w, 2 / h, 0.0], device=images.device))"):
        "as with 2.0: the third diagonal entry only scales the unused row 2",
    ("ada_transforms", 167, "NumberReplacer", "if channels > 2:"):
        "channels is 1 or 3 (ADA refuses any other count with the colour group), where > 1 and > 2 agree",
    ("ada_transforms", 183, "NumberReplacer", "gain = c[:, :3, :3].sum(dim= 1).mean(dim=1).view(-1, 1, 1)"):
        "the mean of the column sums of a 3x3 block equals the mean of its row sums (both are the "
        "total over 3)",
    ("stylegan2_layers", 80, "NumberReplacer", "out_channels, kernel = weight.shape[0], weight.shape[- 2]"):
        "convolution weights are [O, I, k, k] with square kernels, so shape[-2] == shape[-1]",
    ("prd", 47, "ReplaceBreakWithContinue", "continue"):
        "the loop reaches it only once the labels stopped changing; going on recomputes the same "
        "centres from the same labels, so every later iteration gives the same labels again",
    ("prd", 44, "NumberReplacer", "centres = torch.where(counts > 0, sums / counts.clamp_min( 0), centres)"):
        "the divisor changes only for empty clusters (0 / 0 = NaN), whose entries torch.where "
        "discards for the old centre; the inputs are detached, so no NaN reaches a gradient",
    ("confidence", 28, "NumberReplacer", "return 1.0 - 2.0 * 0.5 ** n if n >= 2 else 0.0"):
        "n is a count of seeds (an int); the two differ only at n = 1, where 1 - 2 * 0.5 ** 1 is "
        "exactly the 0.0 of the else branch",
    ("confidence", 28, "ReplaceComparisonOperator_GtE_Gt", "return 1.0 - 2.0 * 0.5 ** n if n > 1 else 0.0"):
        "as n >= 2: for an integer n they differ only at n = 1, where the formula gives 0.0 exactly",
    ("search_space", 46, "NumberReplacer",
     "if len(args) != 1 or not isinstance(args[0], (list, tuple)) or not args[ -1]:"): "reached only when len(args) == 1 (the `or` before it short-circuits otherwise), so args[-1] is args[0]",
    ("search_space", 46, "NumberReplacer",
     "if len(args) != 1 or not isinstance(args[ -1], (list, tuple)) or not args[0]:"): "reached only when len(args) == 1 (the `or` before it short-circuits otherwise), so args[-1] is args[0]",
    ("search_space", 49, "NumberReplacer", "if len(args) != 1 or not isinstance(args[ -1], str):"): "reached only when len(args) == 1 (the `or` before it short-circuits otherwise), so args[-1] is args[0]",
    ("search_space", 51, "NumberReplacer", "unknown = sorted(expression_names(args[ -1]) - (set(space) - {name}))"):
        "the line above raised unless len(args) == 1, so args[-1] is args[0]",
    ("report_search", 79, "ReplaceUnaryOperator_USub_UAdd", "return ordered[+1]"): "unreachable fallback: the probabilities of the ordered results are normalised to sum to 1, so the loop returns once the cumulative sum reaches q <= 0.9; no result at all returns earlier",
    ("report_search", 79, "NumberReplacer", "return ordered[- 0]"): "unreachable fallback: the probabilities of the ordered results are normalised to sum to 1, so the loop returns once the cumulative sum reaches q <= 0.9; no result at all returns earlier",
    ("report_search", 79, "ReplaceUnaryOperator_Delete_USub", "return ordered[1]"): "unreachable fallback: the probabilities of the ordered results are normalised to sum to 1, so the loop returns once the cumulative sum reaches q <= 0.9; no result at all returns earlier",
    ("report_search", 79, "NumberReplacer", "return ordered[- 2]"): "unreachable fallback: the probabilities of the ordered results are normalised to sum to 1, so the loop returns once the cumulative sum reaches q <= 0.9; no result at all returns earlier",
    ("report_search", 77, "ReplaceComparisonOperator_GtE_Gt", "if cumulative > q - 1e-12:"):
        "differs only when a cumulative sum of the binomial-ratio probabilities equals the double "
        "q - 1e-12 exactly (q = 0.1 or 0.9); the 1e-12 slack exists to absorb rounding either way",
    ("pretrain", 92, "NumberReplacer", "chunk: int = 1023) -> torch.Tensor:"): "the chunk only bounds memory: apply_in_chunks runs the network in eval mode (BatchNorm on its running statistics), so each image's features depend on that image alone and the concatenation is the same for any chunk size",
    ("pretrain", 92, "NumberReplacer", "chunk: int = 1025) -> torch.Tensor:"): "the chunk only bounds memory: apply_in_chunks runs the network in eval mode (BatchNorm on its running statistics), so each image's features depend on that image alone and the concatenation is the same for any chunk size",
    ("pretrain", 75, "ReplaceTrueWithFalse", "optimizer.zero_grad(set_to_none=False)"):
        "every parameter (encoder, rotation head, classifier when present) is in the loss graph at "
        "every step, also at gamma = 0, so no gradient is None when Adam steps and zeroing in place "
        "gives the same updates (checked: bit-identical weights for gamma 0 and 0.5)",
    ("pggan_layers", 88, "NumberReplacer",
     "group = next(g for g in range(min(self.group_size, batch), -1, -1) if batch % g == 0)"):
        "g = 1 divides every batch, so the search stops before it reaches 0; only an empty batch "
        "differs, and both versions raise there",
    ("pggan_schedule", 58, "NumberReplacer", "if doublings == -1:"):
        "doublings is bit_length() - 1 of an integer >= 1 (start <= target is validated), never -1; "
        "at doublings == 0 the formula below also gives 0",
}
