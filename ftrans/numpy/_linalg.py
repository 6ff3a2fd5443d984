"""Products and matrix structure: dot, matmul, vdot, inner, outer, tensordot, einsum,
diagonal, trace, diag, tril, triu.

Every product lowers to lax's ``dot_general`` (contracting and batch dimensions), so one
primitive carries all derivative and batching rules. Operands are promoted to NumPy's result
type first; Python scalars count as float64 / int64 arrays here, as in ``numpy.dot``.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.lax import indexing as lax_indexing, linalg as lax_linalg, structural as lax_structural
from ftrans.numpy._axes import check_no_out, normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._complex import conjugate
from ftrans.numpy._shapes import moveaxis
from ftrans.numpy._reductions import sum as sum_

__all__ = ["dot", "matmul", "vdot", "inner", "outer", "tensordot", "einsum", "diagonal",
           "trace", "diag", "tril", "triu"]


def _promoted(*args: Any) -> list[Any]:
    if len(args) == 2:  # two arrays (or tracers) of one dtype, the commonest product: as they are
        a, b = args
        if (type(a) is np.ndarray or isinstance(a, Tracer)) and \
                (type(b) is np.ndarray or isinstance(b, Tracer)) and \
                get_aval(a).dtype == get_aval(b).dtype and get_aval(a).dtype != object:
            return [a, b]
    arrays = [asarray_strong(a) for a in args]
    dtype = result_type(*arrays)
    return [cast(a, dtype) for a in arrays]


def _dot_general(a: Any, b: Any, contract: tuple[Sequence[int], Sequence[int]],
                 batch: tuple[Sequence[int], Sequence[int]] = ((), ())) -> Any:
    """lax's dot_general; result axes: batch, then a's free axes, then b's free axes."""
    return lax_linalg.dot_general(a, b, ((tuple(contract[0]), tuple(contract[1])),
                                         (tuple(batch[0]), tuple(batch[1]))))


def _checked_product(a: Any, b: Any, contract: tuple[tuple[int], tuple[int]]) -> Any:
    """dot_general of operands of one dtype over one pair of dimensions whose sizes the
    caller has checked: bound directly, without lax.dot_general's canonicalisation and checks
    (matmul's own checks name the mistake in NumPy's words)."""
    return lax_linalg.dot_general_p.bind(a, b, dimension_numbers=(contract, ((), ())),
                                         preferred_element_type=None)


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def dot(a: Any, b: Any, out: None = None) -> Any:
    """NumPy's ``dot``: a product with a scalar, the inner product of vectors, the matrix
    product of matrices; in general a sum over the last axis of ``a`` and the second-to-last
    axis of ``b`` (the last, when ``b`` is 1-d).

    Raises:
      ValueError: the summed axes differ in size.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.dot(np.array([[1., 2.], [3., 4.]]), np.array([1., 1.]))
    array([3., 7.])
    """
    check_no_out(out, "dot")
    a, b = _promoted(a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if not sa or not sb:
        return lax.mul(a, b)
    b_axis = 0 if len(sb) == 1 else len(sb) - 2
    if sa[-1] != sb[b_axis]:
        raise ValueError(f"shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) != "
                         f"{sb[b_axis]} (dim {b_axis})")
    return _dot_general(a, b, ((len(sa) - 1,), (b_axis,)))


def matmul(x1: Any, x2: Any, /, out: None = None) -> Any:
    """The matrix product with NumPy's rules: a 1-d operand is a vector (contracted over its
    one axis, which leaves the result), and leading axes are batch axes that broadcast.

    Raises:
      ValueError: a 0-d operand, or core dimensions that do not match.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.matmul(np.ones((2, 1, 3, 4)), np.ones((5, 4, 2))).shape
    (2, 5, 3, 2)
    """
    check_no_out(out, "matmul")
    a, b = _promoted(x1, x2)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    for i, s in enumerate((sa, sb)):
        if not s:
            raise ValueError(f"matmul: Input operand {i} does not have enough dimensions (has 0, "
                             f"gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)")
    a_vector, b_vector = len(sa) == 1, len(sb) == 1
    if a_vector or b_vector:
        # A vector operand is contracted as it is, with no unit axis added and removed: one
        # dot_general, whose result axes are already NumPy's (a's free axes, then b's), and
        # under vmap a per-example vector is a matrix product (its transpose an outer product)
        # without reshapes around it.
        a_axis = len(sa) - 1
        b_axis = 0 if b_vector else len(sb) - 2
        if sa[a_axis] != sb[b_axis]:
            raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, "
                             f"with gufunc signature (n?,k),(k,m?)->(n?,m?) (size "
                             f"{sb[b_axis]} is different from {sa[a_axis]})")
        return _checked_product(a, b, ((a_axis,), (b_axis,)))
    if sa[-1] != sb[-2]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with "
                         f"gufunc signature (n?,k),(k,m?)->(n?,m?) (size {sb[-2]} is different "
                         f"from {sa[-1]})")
    batch_a, batch_b = sa[:-2], sb[:-2]
    if not batch_b:  # (..., m, k) @ (k, n): no batch axes needed
        result = _checked_product(a, b, ((len(sa) - 1,), (0,)))
    elif not batch_a:  # (m, k) @ (..., k, n) gives (m, ..., n): move m into place
        result = _dot_general(a, b, ((1,), (len(sb) - 2,)))
        nd = len(sb)
        result = lax.transpose(result, tuple(range(1, nd - 1)) + (0, nd - 1))
    else:
        batch = np.broadcast_shapes(batch_a, batch_b)
        a = lax.broadcast_to(a, batch + sa[-2:])
        b = lax.broadcast_to(b, batch + sb[-2:])
        dims = tuple(range(len(batch)))
        result = _dot_general(a, b, ((len(batch) + 1,), (len(batch),)), (dims, dims))
    return result


def vdot(a: Any, b: Any, /) -> Any:
    """The dot product of the flattened arrays, complex conjugating the first:
    ``sum(conj(a) * b)``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.vdot(np.array([1 + 2j, 3j]), np.array([1j, 2.0]))
    np.complex128(2-5j)
    """
    a, b = _promoted(a, b)
    a, b = lax.reshape(conjugate(a), (-1,)), lax.reshape(b, (-1,))
    return dot(a, b)


def inner(a: Any, b: Any, /) -> Any:
    """Sum of products over the last axes of ``a`` and ``b``; result axes: ``a``'s others,
    then ``b``'s others."""
    a, b = _promoted(a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if not sa or not sb:
        return lax.mul(a, b)
    if sa[-1] != sb[-1]:
        raise ValueError(f"shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) != "
                         f"{sb[-1]} (dim {len(sb) - 1})")
    return _dot_general(a, b, ((len(sa) - 1,), (len(sb) - 1,)))


def outer(a: Any, b: Any, out: None = None) -> Any:
    """``a.ravel()[:, None] * b.ravel()[None, :]``."""
    check_no_out(out, "outer")
    a, b = _promoted(a, b)
    return lax.mul(lax.reshape(a, (-1, 1)), lax.reshape(b, (1, -1)))


def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Any:
    """Sum of products over the last ``axes`` axes of ``a`` and the first ``axes`` of ``b``,
    or over the axes paired by ``axes = (a_axes, b_axes)``; result axes: ``a``'s free, then
    ``b``'s free.

    Raises:
      ValueError: paired axes differ in number or size.
    """
    a, b = _promoted(a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > len(sa) or n > len(sb):
            raise ValueError(f"tensordot: axes={n} is out of range for arrays of dimensions "
                             f"{len(sa)} and {len(sb)}")
        a_axes, b_axes = list(range(len(sa) - n, len(sa))), list(range(n))
    else:
        try:
            a_axes, b_axes = axes
        except (TypeError, ValueError):
            raise ValueError("tensordot: axes must be an int or a pair of axis sequences") \
                from None
        a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
        if len(a_axes) != len(b_axes):
            raise ValueError("shape-mismatch for sum: a and b need as many axes to sum over")
        a_axes = [normalize_axis(ax, len(sa)) for ax in a_axes]
        b_axes = [normalize_axis(ax, len(sb)) for ax in b_axes]
    for i, j in zip(a_axes, b_axes):
        if sa[i] != sb[j]:
            raise ValueError(f"shape-mismatch for sum: axis {i} of a has size {sa[i]} but axis "
                             f"{j} of b has size {sb[j]}")
    return _dot_general(a, b, (a_axes, b_axes))


# ---------------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------------

Label = Any  # a subscript letter, or ("...", k) for the k-th broadcast (ellipsis) axis


def _interleaved_to_subscripts(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])`` in string form."""
    def letters(sublist: Sequence[Any]) -> str:
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                out.append(string.ascii_letters[int(s)])
            else:
                raise ValueError(f"einsum: subscript {s!r} in the sublist format must be an "
                                 f"int in [0, 52) or Ellipsis")
        return "".join(out)
    operands = list(args[0::2][:len(args) // 2])
    terms = [letters(s) for s in args[1::2][:len(args) // 2]]
    subscripts = ",".join(terms)
    if len(args) % 2:
        subscripts += "->" + letters(args[-1])
    return subscripts, operands


def _parse_term(term: str, ndim: int, n_ellipsis: int, where: str) -> list[Label]:
    if term.count("...") > 1 or "." in term.replace("...", ""):
        raise ValueError(f"einsum: invalid ellipsis in {where} subscripts {term!r}")
    for c in term.replace("...", ""):
        if c not in string.ascii_letters:
            raise ValueError(f"einsum: invalid subscript {c!r} in {where}: subscripts must be "
                             f"letters")
    if "..." not in term:
        if where != "the output" and len(term) != ndim:
            raise ValueError(f"einsum: {where} has {ndim} dimensions but its subscripts "
                             f"{term!r} name {len(term)}")
        return list(term)
    head, tail = term.split("...")
    count = ndim - len(head) - len(tail) if where != "the output" else n_ellipsis
    if count < 0:
        raise ValueError(f"einsum: {where} has {ndim} dimensions, fewer than its subscripts "
                         f"{term!r} name")
    broadcast = [("...", n_ellipsis - count + k) for k in range(count)]
    return list(head) + broadcast + list(tail)


def _remove_repeated(x: Any, labels: list[Label]) -> tuple[Any, list[Label]]:
    """Take the diagonal over every label repeated within one operand (``ii->i``)."""
    while len(set(labels)) != len(labels):
        label = next(lab for lab in labels if labels.count(lab) > 1)
        i = labels.index(label)
        j = labels.index(label, i + 1)
        shape = get_aval(x).shape
        if shape[i] != shape[j]:
            raise ValueError(f"einsum: repeated subscript {label!r} names axes of different "
                             f"sizes {shape[i]} and {shape[j]}")
        x = diagonal(x, 0, i, j)
        labels = [lab for k, lab in enumerate(labels) if k not in (i, j)] + [label]
    return x, labels


def einsum(subscripts: Any, *operands: Any, out: None = None, dtype: Any = None,
           optimize: Any = False, casting: str = "safe") -> Any:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Supports the implicit output (labels used once, in alphabetical order), ``...`` for
    broadcast axes, labels repeated within an operand (diagonals, traces), and the
    interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Operands are contracted
    pairwise from the left, each step one ``dot_general``.

    Raises:
      ValueError: malformed subscripts, or sizes that disagree.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.einsum('ij,j->i', np.eye(2), np.array([3., 4.]))
    array([3., 4.])
    """
    check_no_out(out, "einsum")
    if not isinstance(subscripts, str):
        subscripts, ops = _interleaved_to_subscripts((subscripts,) + operands)
        operands = tuple(ops)
    if not operands:
        raise ValueError("einsum: no operands given")
    arrays = _promoted(*operands)
    if dtype is not None:
        arrays = [cast(a, np.dtype(dtype)) for a in arrays]
    subscripts = subscripts.replace(" ", "")
    explicit = "->" in subscripts
    inputs, output = subscripts.split("->") if explicit else (subscripts, "")
    terms = inputs.split(",")
    if len(terms) != len(arrays):
        raise ValueError(f"einsum: {len(terms)} operand subscripts given in {subscripts!r} but "
                         f"{len(arrays)} operands")
    ndims = [get_aval(a).ndim for a in arrays]
    n_ellipsis = max([nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims)
                      if "..." in t], default=0)
    labels = [_parse_term(t, nd, n_ellipsis, f"operand {i}")
              for i, (t, nd) in enumerate(zip(terms, ndims))]
    broadcast_labels = [("...", k) for k in range(n_ellipsis)]
    if explicit:
        if "..." not in output and n_ellipsis:
            raise ValueError("output has more dimensions than subscripts given in einstein "
                             "sum, but no '...' ellipsis provided to broadcast the extra "
                             "dimensions.")
        out_labels = _parse_term(output, 0, n_ellipsis, "the output")
        if len(set(out_labels)) != len(out_labels):
            raise ValueError(f"einsum: output subscript {output!r} repeats a label")
        for lab in out_labels:
            if not any(lab in term for term in labels):
                raise ValueError(f"einstein sum subscripts string included output subscript "
                                 f"{lab!r} which never appeared in an input")
    else:
        counts: dict[Label, int] = {}
        for term in labels:
            for lab in term:
                counts[lab] = counts.get(lab, 0) + 1
        letters = sorted(lab for lab, c in counts.items() if c == 1 and isinstance(lab, str))
        out_labels = broadcast_labels + letters

    # sizes: each label's extent, allowing size-1 broadcasting
    sizes: dict[Label, int] = {}
    for i, (x, term) in enumerate(zip(arrays, labels)):
        for lab, d in zip(term, get_aval(x).shape):
            if sizes.get(lab, 1) == 1:
                sizes[lab] = d
            elif d not in (1, sizes[lab]):
                raise ValueError(f"einsum: size of label {_label_name(lab)} for operand {i} "
                                 f"({d}) does not match previous terms ({sizes[lab]})")

    # diagonals, then sum away labels that appear in one operand only and not in the output
    operands_labels = []
    for i, (x, term) in enumerate(zip(arrays, labels)):
        x, term = _remove_repeated(x, list(term))
        elsewhere = set(out_labels)
        for j, other in enumerate(labels):
            if j != i:
                elsewhere.update(other)
        summed = tuple(k for k, lab in enumerate(term) if lab not in elsewhere)
        x = lax.reduce_sum(x, summed)
        term = [lab for k, lab in enumerate(term) if k not in summed]
        # stretch size-1 axes whose label is longer elsewhere, so dot_general sees equal sizes
        full = tuple(sizes[lab] for lab in term)
        if get_aval(x).shape != full:
            x = lax.broadcast_to(x, full)
        operands_labels.append((x, term))

    x, term = operands_labels[0]
    for k in range(1, len(operands_labels)):
        y, y_term = operands_labels[k]
        keep = set(out_labels)
        for _, later in operands_labels[k + 1:]:
            keep.update(later)
        shared = [lab for lab in term if lab in y_term]
        batch = [lab for lab in shared if lab in keep]
        contract = [lab for lab in shared if lab not in keep]
        x = _dot_general(x, y, ([term.index(lab) for lab in contract],
                                [y_term.index(lab) for lab in contract]),
                         ([term.index(lab) for lab in batch],
                          [y_term.index(lab) for lab in batch]))
        term = (batch + [lab for lab in term if lab not in shared]
                + [lab for lab in y_term if lab not in shared])
    summed = tuple(k for k, lab in enumerate(term) if lab not in out_labels)
    x = lax.reduce_sum(x, summed)
    term = [lab for lab in term if lab in out_labels]
    x = lax.transpose(x, tuple(term.index(lab) for lab in out_labels))
    return x


def _label_name(label: Label) -> str:
    return repr(label) if isinstance(label, str) else f"'...' (broadcast axis {label[1]})"


# ---------------------------------------------------------------------------------------------
# Diagonals and triangles
# ---------------------------------------------------------------------------------------------


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal ``offset`` of the 2-d sub-arrays over ``axis1`` and ``axis2``, as a new
    last axis (NumPy's layout). A strided slice of the flattened pair of axes."""
    a = asarray_strong(a)
    nd = get_aval(a).ndim
    if nd < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    ax1, ax2 = normalize_axis(axis1, nd, "axis1"), normalize_axis(axis2, nd, "axis2")
    if ax1 == ax2:
        raise ValueError("axis1 and axis2 cannot be the same")
    x = moveaxis(a, (ax1, ax2), (-2, -1))
    shape = get_aval(x).shape
    lead, (n, m) = shape[:-2], shape[-2:]
    offset = int(offset)
    if offset >= 0:
        start, length = offset, max(0, min(n, m - offset))
    else:
        start, length = -offset * m, max(0, min(n + offset, m))
    flat = lax.reshape(x, lead + (n * m,))
    if length == 0:
        return lax_indexing.slice(flat, (0,) * len(shape[:-1]), lead + (0,))
    limit = start + (length - 1) * (m + 1) + 1
    return lax_indexing.slice(flat, (0,) * len(lead) + (start,), lead + (limit,),
                              (1,) * len(lead) + (m + 1,))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: None = None) -> Any:
    """Sum along a diagonal (see :func:`diagonal`), with :func:`sum`'s dtype rules."""
    return sum_(diagonal(a, offset, axis1, axis2), -1, dtype, out)


def diag(v: Any, k: int = 0) -> Any:
    """A 1-d ``v`` placed on diagonal ``k`` of a square matrix, or the diagonal ``k`` of a
    2-d ``v``."""
    v = asarray_strong(v)
    s = get_aval(v).shape
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n, k = s[0], int(k)
    size = n + abs(k)
    if n == 0:
        return np.zeros((size, size), get_aval(v).dtype)
    # the elements sit size + 1 apart in the flattened matrix: an interior pad
    start = k if k >= 0 else -k * size
    config = [(start, size * size - (start + (n - 1) * (size + 1) + 1), size)]
    flat = lax_structural.pad(v, np.zeros((), get_aval(v).dtype), config)
    return lax.reshape(flat, (size, size))


def _triangle(m: Any, keep: np.ndarray) -> Any:
    zero = np.zeros((), get_aval(m).dtype)
    return lax.select_n(keep, zero, m)


def tril(m: Any, k: int = 0) -> Any:
    """``m`` with the elements above diagonal ``k`` zeroed (over the last two axes)."""
    m = asarray_strong(m)
    return _triangle(m, np.tri(*get_aval(m).shape[-2:], k=k, dtype=bool))


def triu(m: Any, k: int = 0) -> Any:
    """``m`` with the elements below diagonal ``k`` zeroed (over the last two axes)."""
    m = asarray_strong(m)
    return _triangle(m, ~np.tri(*get_aval(m).shape[-2:], k=k - 1, dtype=bool))
