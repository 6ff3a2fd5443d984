"""The primitive set, one family a module, each primitive one block with its rules.

``ftrans.lax`` is the strict, low-level layer under ``ftrans.numpy``: binary operations need
operands of one dtype (Python scalars take the other operand's dtype), reductions take explicit
axes, and every function binds exactly the primitive it names.
"""

from ftrans.lax.elementwise import (  # noqa: F401
    ROUND_AWAY_FROM_ZERO,
    ROUND_TO_NEAREST_EVEN,
    abs,
    abs_p,
    add,
    add_p,
    and_p,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    ceil_p,
    complex,
    complex_dtype,
    complex_p,
    conj,
    conj_p,
    convert_element_type,
    convert_element_type_p,
    cos,
    cos_p,
    div,
    div_p,
    eq,
    eq_p,
    exp,
    exp_p,
    expm1,
    expm1_p,
    floor,
    floor_p,
    ge,
    ge_p,
    gt,
    gt_p,
    imag,
    imag_p,
    integer_pow,
    integer_pow_p,
    le,
    le_p,
    log,
    log1p,
    log1p_p,
    log_p,
    logistic,
    logistic_p,
    lt,
    lt_p,
    max,
    max_p,
    min,
    min_p,
    mul,
    mul_p,
    ne,
    ne_p,
    neg,
    neg_p,
    not_p,
    or_p,
    pow,
    pow_p,
    real,
    real_p,
    rem,
    rem_p,
    round,
    round_p,
    rsqrt,
    rsqrt_p,
    select,
    select_n,
    select_n_p,
    sign,
    sign_p,
    sin,
    sin_p,
    sqrt,
    sqrt_p,
    stop_gradient,
    stop_gradient_p,
    sub,
    sub_p,
    tan,
    tan_p,
    tanh,
    tanh_p,
    xor_p,
)
from ftrans.lax.reductions import (  # noqa: F401
    argmax, argmax_p, argmin, argmin_p, cumlogsumexp, cumlogsumexp_p,
    cummax, cummax_p, cummin, cummin_p, cumprod, cumprod_p,
    cumsum, cumsum_p, linear_recurrence, linear_recurrence_p, reduce_and, reduce_and_p,
    reduce_max, reduce_max_p, reduce_min, reduce_min_p, reduce_or, reduce_or_p, reduce_prod,
    reduce_prod_p, reduce_sum, reduce_sum_p,
)
from ftrans.lax.structural import (  # noqa: F401
    broadcast_in_dim, broadcast_in_dim_p, broadcast_to, broadcasted_iota, concatenate,
    concatenate_p, expand_dims, iota, iota_p, pad, pad_p, reshape, reshape_p, rev, rev_p,
    squeeze, squeeze_p, transpose, transpose_p,
)
from ftrans.lax.indexing import (  # noqa: F401
    dynamic_slice, dynamic_slice_p, dynamic_update_slice, dynamic_update_slice_p, index_in_dim,
    slice, slice_in_dim, slice_p,
)
from ftrans.lax.linalg import batch_matmul, dot, dot_general, dot_general_p  # noqa: F401
from ftrans.lax.parallel import (  # noqa: F401
    all_gather,
    all_gather_p,
    axis_index,
    axis_index_p,
    axis_size,
    pmax,
    pmax_p,
    pmean,
    pmin,
    pmin_p,
    psum,
    psum_p,
)
from ftrans.lax.call import call_jit, jit_p  # noqa: F401
from ftrans.lax.control_flow import (  # noqa: F401, A004
    ReverseModeWhileError, cond, cond_p, fori_loop, map, scan, scan_p, switch, while_loop,
    while_p,
)
from ftrans.lax.control_flow import (  # noqa: F401
    associative_scan, custom_linear_solve, custom_root, linear_solve_p,
)
from ftrans.lax.special import (  # noqa: F401
    digamma, digamma_p, erf, erf_inv, erf_inv_p, erf_p, erfc, erfc_p, erfcx, erfcx_p, lgamma,
    lgamma_p, log_ndtr, log_ndtr_p, ndtri, ndtri_p, polygamma, polygamma_p,
)
from ftrans.lax.special_bessel_jy import (  # noqa: F401
    bessel_ive, bessel_ive_p, bessel_jn, bessel_jn_p, bessel_yn, bessel_yn_p,
)
from ftrans.lax.special_complex import (  # noqa: F401
    complex_erf, complex_erf_p, complex_erfc, complex_erfc_p,
)
from ftrans.lax.special_bessel_zeta import (  # noqa: F401
    bessel_i0e, bessel_i0e_p, bessel_i1e, bessel_i1e_p, zeta, zeta_ds, zeta_ds_p, zeta_p,
)
from ftrans.lax.special_incomplete import (  # noqa: F401
    betainc, betainc_p, expi, expi_p, expn, expn_p, igamma, igamma_grad_a, igamma_grad_a_p,
    igamma_p, igammac, igammac_p,
)
from ftrans.lax.gather_scatter import (  # noqa: F401
    gather, gather_p, scatter, scatter_add, scatter_add_p, scatter_max, scatter_max_p,
    scatter_min, scatter_min_p, scatter_mul, scatter_mul_p, scatter_p,
)
from ftrans.lax.sorting import sort, sort_p, top_k  # noqa: F401
from ftrans.lax.windowed_reductions import (  # noqa: F401
    padtype_to_pads, reduce_window, reduce_window_max, reduce_window_max_p, reduce_window_min,
    reduce_window_min_p, reduce_window_prod, reduce_window_prod_p, reduce_window_shape_tuple,
    reduce_window_sum, reduce_window_sum_p, select_and_gather_add, select_and_gather_add_p,
    select_and_scatter_add, select_and_scatter_add_p,
)
from ftrans.lax.convolution import (  # noqa: F401
    ConvDimensionNumbers, conv, conv_dimension_numbers, conv_general_dilated,
    conv_general_dilated_p, conv_transpose, conv_with_general_padding,
)
from ftrans.lax.numerics import (  # noqa: F401
    cbrt, cbrt_p, clamp, clamp_p, reduce_precision, reduce_precision_p, square,
)
from ftrans.lax.fft import FftType, fft, fft_p  # noqa: F401

__all__ = [
    "ConvDimensionNumbers", "FftType", "ROUND_AWAY_FROM_ZERO", "ROUND_TO_NEAREST_EVEN",
    "ReverseModeWhileError", "abs", "abs_p", "add", "add_p", "all_gather", "all_gather_p", "and_p",
    "argmax", "argmax_p", "argmin", "argmin_p", "associative_scan", "axis_index", "axis_index_p",
    "batch_matmul", "bessel_i0e", "bessel_i0e_p", "bessel_i1e", "bessel_i1e_p", "betainc",
    "betainc_p", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "broadcast_in_dim",
    "broadcast_in_dim_p", "broadcast_to", "broadcasted_iota", "call_jit", "cbrt", "cbrt_p", "ceil",
    "ceil_p", "clamp", "clamp_p", "complex", "complex_dtype", "complex_p", "concatenate",
    "concatenate_p", "cond", "cond_p", "conj", "conj_p", "conv", "conv_dimension_numbers",
    "conv_general_dilated", "conv_general_dilated_p", "conv_transpose", "conv_with_general_padding",
    "convert_element_type", "convert_element_type_p", "cos", "cos_p", "cumlogsumexp",
    "cumlogsumexp_p", "cummax", "cummax_p", "cummin", "cummin_p", "cumprod", "cumprod_p", "cumsum",
    "cumsum_p", "custom_linear_solve", "custom_root", "digamma", "digamma_p", "div", "div_p", "dot",
    "dot_general", "dot_general_p", "dynamic_slice", "dynamic_slice_p", "dynamic_update_slice",
    "dynamic_update_slice_p", "eq", "eq_p", "erf", "erf_inv", "erf_inv_p", "erf_p", "erfc",
    "erfc_p", "erfcx", "erfcx_p", "exp", "exp_p", "expand_dims", "expi", "expi_p", "expm1",
    "expm1_p", "expn", "expn_p", "fft", "fft_p", "floor", "floor_p", "fori_loop", "gather",
    "gather_p", "ge", "ge_p", "gt", "gt_p", "igamma", "igamma_grad_a", "igamma_grad_a_p",
    "igamma_p", "igammac", "igammac_p", "imag", "imag_p", "index_in_dim", "integer_pow",
    "integer_pow_p", "iota", "iota_p", "jit_p", "le", "le_p", "lgamma", "lgamma_p",
    "linear_recurrence", "linear_recurrence_p", "linear_solve_p", "log", "log1p", "log1p_p",
    "log_ndtr", "log_ndtr_p", "log_p", "logistic", "logistic_p", "lt", "lt_p", "map", "max",
    "max_p", "min", "min_p", "mul", "mul_p", "ndtri", "ndtri_p", "ne", "ne_p", "neg", "neg_p",
    "not_p", "or_p", "pad", "pad_p", "padtype_to_pads", "pmax", "pmax_p", "pmean", "pmin", "pmin_p",
    "polygamma", "polygamma_p", "pow", "pow_p", "psum", "psum_p", "real", "real_p", "reduce_and",
    "reduce_and_p", "reduce_max", "reduce_max_p", "reduce_min", "reduce_min_p", "reduce_or",
    "reduce_or_p", "reduce_precision", "reduce_precision_p", "reduce_prod", "reduce_prod_p",
    "reduce_sum", "reduce_sum_p", "reduce_window", "reduce_window_max", "reduce_window_max_p",
    "reduce_window_min", "reduce_window_min_p", "reduce_window_prod", "reduce_window_prod_p",
    "reduce_window_shape_tuple", "reduce_window_sum", "reduce_window_sum_p", "rem", "rem_p",
    "reshape", "reshape_p", "rev", "rev_p", "round", "round_p", "rsqrt", "rsqrt_p", "scan",
    "scan_p", "scatter", "scatter_add", "scatter_add_p", "scatter_max", "scatter_max_p",
    "scatter_min", "scatter_min_p", "scatter_mul", "scatter_mul_p", "scatter_p", "select",
    "select_and_gather_add", "select_and_gather_add_p", "select_and_scatter_add",
    "select_and_scatter_add_p", "select_n", "select_n_p", "sign", "sign_p", "sin", "sin_p", "slice",
    "slice_in_dim", "slice_p", "sort", "sort_p", "sqrt", "sqrt_p", "square", "squeeze", "squeeze_p",
    "stop_gradient", "stop_gradient_p", "sub", "sub_p", "switch", "tan", "tan_p", "tanh", "tanh_p",
    "top_k", "transpose", "transpose_p", "while_loop", "while_p", "xor_p", "zeta", "zeta_ds",
    "zeta_ds_p", "zeta_p",
]
