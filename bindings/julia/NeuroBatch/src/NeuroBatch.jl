"""
    NeuroBatch

Memory-bounded batch reading of large multi-channel binary recordings
(Neuropixels and friends) through libneurobatch: what YASS's `yass.batch`
does, from Julia.

Indices here count from 1, as Julia does: rows, channels, `idx_local` and
`idx`. `from_time`/`to_time` keep YASS's meaning (observations skipped before
the range, and the end of the range, excluded), so `from_time = 0,
to_time = 1000` is rows `1:1000`. The flat C layer, 0-based, is
`NeuroBatch.LibNeuroBatch`.

The library is found through `ENV["NB_LIBRARY"]` (a path to
`libneurobatch.so`), then this checkout's `target/release`, then the system
library path; its ABI version is checked when the package loads.
"""
module NeuroBatch

using Libdl

include("LibNeuroBatch.jl")
const L = LibNeuroBatch

export NBError, RecordingsReader, BatchProcessor, Cursor, Writer, BatchPipeline, PipedTransformation,
       multi_channel, single_channel, multi_channel_apply, single_channel_apply, add!, finish!,
       append_channel!, parse_max_memory, cast_values, shard_finish, shard_abort,
       sampling_rate, scales_uv, recording_format

# ---------------------------------------------------------------- library

function find_library()
    path = get(ENV, "NB_LIBRARY", "")
    isempty(path) || return path
    checkout = normpath(joinpath(@__DIR__, "..", "..", "..", "..", "target", "release", "libneurobatch." * Libdl.dlext))
    isfile(checkout) && return checkout
    found = Libdl.find_library(["libneurobatch"])
    isempty(found) && error("NeuroBatch: libneurobatch not found; set ENV[\"NB_LIBRARY\"] to the path of libneurobatch.$(Libdl.dlext)")
    return found
end

function __init__()
    path = find_library()
    L.HANDLE[] = Libdl.dlopen(path)
    L.LIBRARY[] = path
    abi = L.nb_abi_version()
    abi == L.NB_ABI_VERSION ||
        error("NeuroBatch: $path has ABI version $abi; this package was written for ABI $(L.NB_ABI_VERSION)")
    return nothing
end

"""The version of the loaded libneurobatch."""
version() = VersionNumber(unsafe_string(L.nb_version_string()))

# ---------------------------------------------------------------- errors

"""
    NBError(status, msg)

A failed libneurobatch call: its `nb_status` (see `LibNeuroBatch.NB_STATUS_*`)
and the library's message, which names the value at fault.
"""
struct NBError <: Exception
    status::Int32
    msg::String
end

Base.showerror(io::IO, e::NBError) =
    print(io, "NBError(", e.status, ", ", unsafe_string(L.nb_status_str(e.status)), "): ", e.msg)

function last_error()
    n = L.nb_last_error_copy(C_NULL, 0)
    buf = Vector{UInt8}(undef, n + 1)
    L.nb_last_error_copy(buf, n + 1)
    return String(buf[1:n])
end

# Throws for errors; returns OK, DONE and STOPPED. The message is copied at
# once, on this thread, as the C API requires.
check(status::Integer) = status < 0 ? throw(NBError(status, last_error())) : status

# ---------------------------------------------------------------- dtypes

const JULIA_TYPES = Dict{Int32,DataType}(
    L.NB_DTYPE_INT8 => Int8, L.NB_DTYPE_UINT8 => UInt8, L.NB_DTYPE_INT16 => Int16, L.NB_DTYPE_UINT16 => UInt16,
    L.NB_DTYPE_INT32 => Int32, L.NB_DTYPE_UINT32 => UInt32, L.NB_DTYPE_INT64 => Int64, L.NB_DTYPE_UINT64 => UInt64,
    L.NB_DTYPE_FLOAT32 => Float32, L.NB_DTYPE_FLOAT64 => Float64)

julia_type(code::Integer) = JULIA_TYPES[Int32(code)]

function dtype_code(::Type{T}) where {T}
    for (code, t) in JULIA_TYPES
        t === T && return code
    end
    throw(ArgumentError("$T is not a recording dtype: use Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float32 or Float64"))
end
function dtype_code(name::Union{AbstractString,Symbol})
    out = Ref{Int32}(0)
    check(L.nb_dtype_from_name(String(name), out))
    return out[]
end
dtype_code(::Nothing) = L.NB_DTYPE_UNSET

function order_code(name::Union{AbstractString,Symbol})
    out = Ref{Int32}(0)
    check(L.nb_data_order_from_name(String(name), out))
    return out[]
end
order_code(::Nothing) = L.NB_DATA_ORDER_UNSET

order_name(code::Integer) = code == L.NB_DATA_ORDER_SAMPLES ? :samples : :channels

function loader_code(loader::Symbol)
    loader === :pread && return L.NB_LOADER_PREAD
    loader === :mmap && return L.NB_LOADER_MMAP
    throw(ArgumentError("loader must be :pread or :mmap, got $(repr(loader))"))
end

"""
    parse_max_memory(text) -> UInt64

YASS's `max_memory` text ("300MB", "1GB", "100KB", "160B"; 1024-based) in bytes.
"""
function parse_max_memory(text::AbstractString)
    out = Ref{UInt64}(0)
    check(L.nb_max_memory_parse(String(text), out))
    return out[]
end

memory_bytes(x::AbstractString) = parse_max_memory(x)
function memory_bytes(x::Integer)
    x >= 0 || throw(ArgumentError("max_memory must be a non-negative number of bytes, got $x"))
    return UInt64(x)
end

"""
    cast_values(T, x)

`x` converted to element type `T` exactly as `cast_dtype` does in every
neurobatch binding: integers wrap to the target width, floats truncate toward
zero (saturating; NaN becomes 0). `T.(x)` in Julia throws instead.
"""
function cast_values(::Type{T}, x::AbstractArray{S}) where {T,S}
    src = collect(x)
    dst = similar(src, T)
    check(L.nb_dtype_cast(dtype_code(S), src, dtype_code(T), dst, length(src)))
    return dst
end

# 1-based channels (`:all`, a number or a vector) to 0-based C indices;
# `nothing` for all channels.
channel_list(::Colon, n) = nothing
function channel_list(c::Symbol, n)
    c === :all || throw(ArgumentError("channels must be :all or channel numbers counting from 1, got $(repr(c))"))
    return nothing
end
channel_list(c::Integer, n) = channel_list([c], n)
function channel_list(cs::AbstractVector{<:Integer}, n)
    isempty(cs) && throw(ArgumentError("the channel list is empty: select at least one channel, or :all"))
    for c in cs
        1 <= c <= n || throw(ArgumentError("channel $c does not exist: the recording has channels 1 to $n (channels count from 1)"))
    end
    return Csize_t[c - 1 for c in cs]
end

# ---------------------------------------------------------------- handles

# A Julia object owning one library handle in `ptr`: `ccall` takes it as a
# pointer (and keeps it rooted), `close` frees it once, finalizers call close.
abstract type Handle end

function Base.unsafe_convert(::Type{Ptr{Cvoid}}, h::Handle)
    h.ptr == C_NULL && throw(ArgumentError("this $(nameof(typeof(h))) is closed"))
    return h.ptr
end

function Base.close(h::Handle)
    if h.ptr != C_NULL
        free_handle(h)(h.ptr)
        h.ptr = C_NULL
    end
    return nothing
end

# ---------------------------------------------------------------- reader

"""
    RecordingsReader(path; dtype=nothing, n_channels=nothing, data_order=nothing, loader=:pread)

An open recording, read in [observation, channel] orientation whatever its
data order. Parameters not given come from the sidecar YAML (the path with
its extension replaced by `.yaml`); given ones win. `data_order` is
`:samples` (alias `:long`) or `:channels` (alias `:wide`).

`r[rows, channels]` reads a block: `r[1:2000, 1:3]`, `r[10:20, :]`,
`r[1:100, [7, 2]]`; an `observations × channels` `Matrix` of the file's
element type. `close(r)` closes the file (also done by the finalizer);
`open(f, RecordingsReader, path; kw...)` closes it after `f`.
"""
mutable struct RecordingsReader <: Handle
    ptr::Ptr{Cvoid}
    path::String
    RecordingsReader(ptr::Ptr{Cvoid}, path::String) = new(ptr, path)
    function RecordingsReader(path::AbstractString; dtype=nothing, n_channels=nothing, data_order=nothing, loader::Symbol=:pread,
                              sampling_rate=nothing, stream=nothing)
        init = Ref{L.nb_open_options}()
        check(L.nb_open_options_init(init, L.NB_OPEN_OPTIONS_VERSION))
        if n_channels !== nothing && n_channels < 1
            throw(ArgumentError("n_channels must be at least 1, got $n_channels"))
        end
        # stream: an Open Ephys stream, by 1-based index or by name
        name = stream isa AbstractString ? String(stream) : ""
        index = stream isa Integer ? Int64(stream) - 1 : Int64(-1)
        out = Ref{Ptr{Cvoid}}(C_NULL)
        GC.@preserve name begin
            opts = L.nb_open_options(init[].version, dtype_code(dtype), n_channels === nothing ? 0 : n_channels,
                                     order_code(data_order), loader_code(loader),
                                     sampling_rate === nothing ? 0.0 : Float64(sampling_rate), index,
                                     isempty(name) ? Ptr{UInt8}(C_NULL) : pointer(name), false)
            check(L.nb_reader_open(String(path), Ref(opts), out))
        end
        r = new(out[], String(path))
        finalizer(close, r)
        return r
    end
end

"""
    RecordingsReader(paths::Vector; kw...)

One recording made of several files concatenated in time (a session
recorded in parts), without copying: observations are numbered across the
files. Every file is opened with the same keywords and all must agree.
"""
function RecordingsReader(paths::AbstractVector{<:AbstractString}; dtype=nothing, n_channels=nothing, data_order=nothing,
                          loader::Symbol=:pread)
    init = Ref{L.nb_open_options}()
    check(L.nb_open_options_init(init, L.NB_OPEN_OPTIONS_VERSION))
    opts = L.nb_open_options(init[].version, dtype_code(dtype), n_channels === nothing ? 0 : n_channels,
                             order_code(data_order), loader_code(loader), 0.0, Int64(-1), Ptr{UInt8}(C_NULL), false)
    strs = [String(p) for p in paths]
    out = Ref{Ptr{Cvoid}}(C_NULL)
    GC.@preserve strs begin
        ptrs = [pointer(p) for p in strs]
        check(L.nb_reader_open_files(ptrs, length(ptrs), Ref(opts), out))
    end
    r = RecordingsReader(out[], first(strs))
    finalizer(close, r)
    return r
end

free_handle(::RecordingsReader) = L.nb_reader_free

function Base.open(f::Function, ::Type{RecordingsReader}, path::AbstractString; kw...)
    r = RecordingsReader(path; kw...)
    try
        return f(r)
    finally
        close(r)
    end
end

n_observations(r::RecordingsReader) = Int(L.nb_reader_n_observations(r))
n_channels(r::RecordingsReader) = Int(L.nb_reader_n_channels(r))
Base.eltype(r::RecordingsReader) = julia_type(L.nb_reader_dtype(r))
data_order(r::RecordingsReader) = order_name(L.nb_reader_data_order(r))

"""
    sampling_rate(r) -> Union{Float64, Nothing}

Samples per second (SpikeGLX and Open Ephys metadata, the sidecar's
`sampling_rate`, or the `sampling_rate` keyword), `nothing` when unknown.
"""
function sampling_rate(r::RecordingsReader)
    hz = Ref{Cdouble}(0)
    st = L.nb_reader_sampling_rate(r, hz)
    st == L.NB_STATUS_NO_METADATA && return nothing
    check(st)
    return hz[]
end

"""
    scales_uv(r) -> Union{Vector{Float64}, Nothing}

Microvolts per count of each channel (SpikeGLX gains, Open Ephys
`bit_volts`), `nothing` for plain files.
"""
function scales_uv(r::RecordingsReader)
    v = Vector{Float64}(undef, n_channels(r))
    st = L.nb_reader_scales_uv(r, v, length(v))
    st == L.NB_STATUS_NO_METADATA && return nothing
    check(st)
    return v
end

"""
    recording_format(r) -> Symbol

`:raw`, `:spikeglx` or `:openephys`.
"""
recording_format(r::RecordingsReader) = Symbol(unsafe_string(L.nb_reader_format(r)))
Base.size(r::RecordingsReader) = (n_observations(r), n_channels(r))
Base.show(io::IO, r::RecordingsReader) =
    print(io, "RecordingsReader(", repr(r.path), r.ptr == C_NULL ? ", closed)" :
          ": $(n_observations(r)) × $(n_channels(r)) $(eltype(r)), $(data_order(r)) order)")

function Base.getindex(r::RecordingsReader, rows::AbstractUnitRange{<:Integer}, channels=Colon())
    T = eltype(r)
    isempty(rows) || first(rows) >= 1 || throw(ArgumentError("rows count from 1, got $rows"))
    from = isempty(rows) ? UInt64(0) : UInt64(first(rows) - 1)
    to = isempty(rows) ? UInt64(0) : UInt64(last(rows))
    ch = channel_list(channels, n_channels(r))
    out = Matrix{T}(undef, length(rows), ch === nothing ? n_channels(r) : length(ch))
    chp = ch === nothing ? Ptr{Csize_t}(C_NULL) : pointer(ch)
    GC.@preserve ch check(L.nb_reader_read(r, from, to, chp, ch === nothing ? 0 : length(ch), 0, L.NB_LAYOUT_CHANNEL_MAJOR,
                                           out, sizeof(out), C_NULL))
    return out
end
Base.getindex(r::RecordingsReader, rows::AbstractUnitRange{<:Integer}, channel::Integer) = vec(r[rows, [channel]])

"""
    sidecar_path(path) -> String

The sidecar YAML of a data file: its last extension replaced by `.yaml`.
"""
function sidecar_path(path::AbstractString)
    need = Ref{Csize_t}(0)
    L.nb_sidecar_path(String(path), C_NULL, 0, need)
    buf = Vector{UInt8}(undef, need[])
    check(L.nb_sidecar_path(String(path), buf, length(buf), need))
    return String(buf[1:end-1])
end

# ---------------------------------------------------------------- batch processor

"""
    BatchProcessor(path; dtype, n_channels, data_order, max_memory="1GB", buffer_size=0, edge=:zeros, loader=:pread)

Memory-bounded batches of a recording (YASS's BatchProcessor). `max_memory`
is bytes or text such as "300MB" (1024-based); batches hold
`max_memory ÷ (channels × itemsize)` observations, as in YASS; `buffer_size`
extra observations on each side of every batch are not counted in
`max_memory`; beyond the recording's edges they hold zeros (`edge=:zeros`,
as YASS), the recording mirrored without repeating the edge sample
(`:reflect`) or the edge sample repeated (`:replicate`, as Kilosort).

Traversals: [`multi_channel`](@ref), [`single_channel`](@ref); functions over
every batch: [`multi_channel_apply`](@ref), [`single_channel_apply`](@ref).
"""
mutable struct BatchProcessor
    reader::RecordingsReader
    max_memory::UInt64
    buffer_size::Int
    edge::Symbol
end

function BatchProcessor(path::AbstractString; dtype=nothing, n_channels=nothing, data_order=nothing,
                        max_memory="1GB", buffer_size::Integer=0, edge::Symbol=:zeros, loader::Symbol=:pread)
    buffer_size >= 0 || throw(ArgumentError("buffer_size must be non-negative, got $buffer_size"))
    edge in (:zeros, :reflect, :replicate) || throw(ArgumentError("edge must be :zeros, :reflect or :replicate, got $(repr(edge))"))
    mm = memory_bytes(max_memory)
    return BatchProcessor(RecordingsReader(path; dtype, n_channels, data_order, loader), mm, buffer_size, edge)
end

Base.close(bp::BatchProcessor) = close(bp.reader)
function Base.open(f::Function, ::Type{BatchProcessor}, path::AbstractString; kw...)
    bp = BatchProcessor(path; kw...)
    try
        return f(bp)
    finally
        close(bp)
    end
end

# The C options of a traversal; `channels` must stay rooted while they are used.
function batch_options(bp::BatchProcessor, traversal, force_complete::Bool; from_time=nothing, to_time=nothing, channels=:all)
    init = Ref{L.nb_batch_options}()
    check(L.nb_batch_options_init(init, L.NB_BATCH_OPTIONS_VERSION))
    ch = channel_list(channels, n_channels(bp.reader))
    opts = L.nb_batch_options(init[].version, bp.max_memory,
                              from_time === nothing ? UInt64(0) : UInt64(from_time),
                              to_time === nothing ? L.NB_TO_END : UInt64(to_time),
                              ch === nothing ? Ptr{Csize_t}(C_NULL) : pointer(ch), ch === nothing ? 0 : length(ch),
                              UInt64(bp.buffer_size), traversal, force_complete, L.NB_LAYOUT_CHANNEL_MAJOR,
                              bp.edge === :reflect ? L.NB_EDGE_REFLECT : bp.edge === :replicate ? L.NB_EDGE_REPLICATE : L.NB_EDGE_ZEROS,
                              false, false, UInt32(0))
    return opts, ch
end

"""
A walk over batches. Iterating yields named tuples
`(data, idx_local, idx, channel)`: `data` is an `observations × channels`
matrix (buffer rows included, copied), `data[idx_local, :]` the batch's own
rows, `idx = (rows, channels)` its place in the recording, `channel` the
channel of a single-channel batch (`nothing` for multi-channel).
`for (data, idx_local, idx) in multi_channel(bp)` works as in YASS.
"""
mutable struct Cursor <: Handle
    ptr::Ptr{Cvoid}
    n_batches::Int
end

free_handle(::Cursor) = L.nb_cursor_free

function make_cursor(bp::BatchProcessor, traversal, force_complete::Bool; kw...)
    opts, ch = batch_options(bp, traversal, force_complete; kw...)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    GC.@preserve ch check(L.nb_cursor_new(bp.reader, Ref(opts), out))
    c = Cursor(out[], Int(L.nb_cursor_n_batches(out[])))
    finalizer(close, c)
    return c
end

"""
    multi_channel(bp; from_time=nothing, to_time=nothing, channels=:all) -> Cursor

Batches of every selected channel (1-based `channels`), sized by `max_memory`.
"""
multi_channel(bp::BatchProcessor; from_time=nothing, to_time=nothing, channels=:all) =
    make_cursor(bp, L.NB_TRAVERSAL_MULTI_CHANNEL, true; from_time, to_time, channels)

"""
    single_channel(bp; force_complete_channel_batch=true, from_time=nothing, to_time=nothing, channels=:all) -> Cursor

Batches of one channel each: the whole range of a channel (an error if it
exceeds `max_memory`), or with `force_complete_channel_batch=false`, windows
of `max_memory ÷ itemsize` observations, channel after channel.
"""
single_channel(bp::BatchProcessor; force_complete_channel_batch::Bool=true, from_time=nothing, to_time=nothing, channels=:all) =
    make_cursor(bp, L.NB_TRAVERSAL_SINGLE_CHANNEL, force_complete_channel_batch; from_time, to_time, channels)

Base.IteratorSize(::Type{Cursor}) = Base.HasLength()
Base.length(c::Cursor) = c.n_batches
Base.eltype(::Type{Cursor}) = NamedTuple

# The batch's index information, 1-based.
function batch_index(b::L.nb_batch)
    chans = [Int(unsafe_load(b.channels, j)) + 1 for j in 1:Int(b.n_channels)]
    idx_local = (Int(b.idx_local_start) + 1):Int(b.idx_local_stop)
    idx = ((Int(b.idx_start) + 1):Int(b.idx_stop), chans)
    channel = b.channel >= 0 ? Int(b.channel) + 1 : nothing
    return idx_local, idx, channel
end

function batch_tuple(b::L.nb_batch)
    T = julia_type(b.dtype)
    data = copy(unsafe_wrap(Array, Ptr{T}(b.data), (Int(b.n_rows), Int(b.n_channels))))
    idx_local, idx, channel = batch_index(b)
    return (data=data, idx_local=idx_local, idx=idx, channel=channel)
end

function Base.iterate(c::Cursor, state=nothing)
    c.ptr == C_NULL && return nothing
    out = Ref{Ptr{L.nb_batch}}(C_NULL)
    st = L.NB_STATUS_NOT_YET
    while st == L.NB_STATUS_NOT_YET   # only following cursors ever wait
        st = check(L.nb_cursor_next_wait(c, UInt32(100), out))
    end
    st == L.NB_STATUS_DONE && return nothing
    return (batch_tuple(unsafe_load(out[])), nothing)
end

# ---------------------------------------------------------------- results

# A result view (row-major) as a Julia matrix (a copy).
function result_array(v::L.nb_result_view)
    T = julia_type(v.dtype)
    return permutedims(unsafe_wrap(Array, Ptr{T}(v.data), (Int(v.n_cols), Int(v.n_rows))))
end

# Puts a Julia result in the library's slot: a matrix as it is, a vector as
# one row (YASS's 1-D results), a number as 1 × 1.
function set_result(out::Ptr{Cvoid}, r::AbstractMatrix{T}) where {T<:Real}
    a = Matrix{T}(r)
    check(L.nb_result_slot_set(out, dtype_code(T), size(a, 1), size(a, 2), L.NB_LAYOUT_CHANNEL_MAJOR, a))
end
function set_result(out::Ptr{Cvoid}, r::AbstractVector{T}) where {T<:Real}
    a = Vector{T}(r)
    check(L.nb_result_slot_set(out, dtype_code(T), 1, length(a), L.NB_LAYOUT_SAMPLE_MAJOR, a))
end
set_result(out::Ptr{Cvoid}, r::Real) = set_result(out, [r])
set_result(out::Ptr{Cvoid}, r) =
    throw(ArgumentError("the function returned a $(typeof(r)); expected a number, vector or matrix of Int8 … Float64"))

# What the C callbacks of one apply call share; the first Julia exception
# is kept and rethrown after the C call returned.
mutable struct ApplyContext
    f::Any
    cleanup::Any
    progress::Any
    pass_batch_info::Bool
    pass_batch_results::Bool
    error::Any
end

function apply_callback(batch::Ptr{L.nb_batch}, previous::Ptr{L.nb_result_view}, out::Ptr{Cvoid}, @nospecialize(data))::Cint
    ctx = data::ApplyContext
    try
        b = batch_tuple(unsafe_load(batch))
        args = Any[b.data]
        ctx.pass_batch_info && push!(args, b.idx_local, b.idx)
        ctx.pass_batch_results && push!(args, previous == C_NULL ? nothing : result_array(unsafe_load(previous)))
        set_result(out, ctx.f(args...))
        return Cint(0)
    catch e
        ctx.error === nothing && (ctx.error = e)
        return Cint(-1)
    end
end

function cleanup_callback(result::Ptr{L.nb_result_view}, batch::Ptr{L.nb_batch}, out::Ptr{Cvoid}, @nospecialize(data))::Cint
    ctx = data::ApplyContext
    try
        b = unsafe_load(batch)
        idx_local, idx, _ = batch_index(b)
        set_result(out, ctx.cleanup(result_array(unsafe_load(result)), idx_local, idx, Int(b.buffer_size)))
        return Cint(0)
    catch e
        ctx.error === nothing && (ctx.error = e)
        return Cint(-1)
    end
end

function progress_callback(done::UInt64, total::UInt64, @nospecialize(data))::Cint
    ctx = data::ApplyContext
    try
        return ctx.progress(Int(done), Int(total)) === true ? Cint(1) : Cint(0)
    catch e
        ctx.error === nothing && (ctx.error = e)
        return Cint(1)
    end
end

# Pipeline steps carry their context as a raw pointer (rooted by the caller).
pipeline_callback(batch::Ptr{L.nb_batch}, previous::Ptr{L.nb_result_view}, out::Ptr{Cvoid}, ctx::Ptr{Cvoid})::Cint =
    apply_callback(batch, previous, out, unsafe_pointer_to_objref(ctx)::ApplyContext)

function progress_bar(done, total)
    width = 40
    filled = round(Int, width * done / max(total, 1))
    print(stderr, "\r[", "#"^filled, "."^(width - filled), "] ", done, "/", total, done == total ? "\n" : "")
    return false
end

function output_tuple(results::Ptr{Cvoid}, index)
    out = Ref{Ptr{L.nb_output_info}}(C_NULL)
    check(L.nb_result_list_output(results, index, out))
    o = unsafe_load(out[])
    params = (dtype=Symbol(unsafe_string(L.nb_dtype_name(o.dtype))), n_channels=Int(o.n_channels),
              data_order=order_name(o.data_order))
    return unsafe_string(o.path), params
end

function if_file_exists_code(v)
    out = Ref{Int32}(0)
    check(L.nb_if_file_exists_from_name(String(v), out))
    return out[]
end

function run_apply(f, bp::BatchProcessor, traversal, force_complete::Bool; mode::Symbol=:memory, output_path=nothing,
                   from_time=nothing, to_time=nothing, channels=:all, if_file_exists=:overwrite, cast_dtype=nothing,
                   cleanup_function=nothing, pass_batch_info::Bool=false, pass_batch_results::Bool=false,
                   show_progress_bar::Bool=false, progress=nothing, shard=nothing, shard_output::Symbol=:parts)
    mode in (:memory, :disk) || throw(ArgumentError("mode must be :memory or :disk, got $(repr(mode))"))
    shard_output in (:parts, :same_rows) || throw(ArgumentError("shard_output must be :parts or :same_rows, got $(repr(shard_output))"))
    # shard = (k, n): 1-based shard k of n, as Julia counts; C counts from 0.
    shard_index, shard_count = shard === nothing ? (0, 0) : (Int(shard[1]) - 1, Int(shard[2]))
    mode === :disk && output_path === nothing && throw(ArgumentError("mode = :disk needs an output_path"))
    batch, ch = batch_options(bp, traversal, force_complete; from_time, to_time, channels)
    init = Ref{L.nb_apply_options}()
    check(L.nb_apply_options_init(init, L.NB_APPLY_OPTIONS_VERSION))
    progress_fn = progress !== nothing ? progress : show_progress_bar ? progress_bar : nothing
    ctx = ApplyContext(f, cleanup_function, progress_fn, pass_batch_info, pass_batch_results, nothing)
    cb = @cfunction(apply_callback, Cint, (Ptr{L.nb_batch}, Ptr{L.nb_result_view}, Ptr{Cvoid}, Any))
    cleanup = cleanup_function === nothing ? C_NULL :
              cleanup_function === :trim_buffer ? L.sym(:nb_result_view_trim_buffer) :
              @cfunction(cleanup_callback, Cint, (Ptr{L.nb_result_view}, Ptr{L.nb_batch}, Ptr{Cvoid}, Any))
    prog = progress_fn === nothing ? C_NULL : @cfunction(progress_callback, Cint, (UInt64, UInt64, Any))
    path = mode === :disk ? String(output_path) : ""
    res = Ref{Ptr{Cvoid}}(C_NULL)
    status = GC.@preserve ch path begin
        opts = L.nb_apply_options(init[].version, mode === :disk ? L.NB_APPLY_MODE_DISK : L.NB_APPLY_MODE_MEMORY,
                                  mode === :disk ? pointer(path) : Ptr{UInt8}(C_NULL), if_file_exists_code(if_file_exists),
                                  dtype_code(cast_dtype), cleanup, pass_batch_results, UInt32(0), prog,
                                  UInt64(shard_index), UInt64(shard_count),
                                  shard_output === :same_rows ? L.NB_SHARD_OUTPUT_SAME_ROWS : L.NB_SHARD_OUTPUT_PARTS, Ptr{UInt8}(C_NULL))
        L.nb_reader_apply(bp.reader, Ref(batch), Ref(opts), cb, ctx, res, C_NULL)
    end
    if ctx.error !== nothing
        L.nb_result_list_free(res[])
        throw(ctx.error)
    end
    check(status)
    try
        # A shard's piece of a disk output is published by shard_finish.
        mode === :disk && return shard === nothing ? output_tuple(res[], 0) : nothing
        views = Ref{Ptr{L.nb_result_view}}(C_NULL)
        out = Any[]
        for i in 0:Int(L.nb_result_list_count(res[])) - 1
            check(L.nb_result_list_get(res[], i, views))
            push!(out, result_array(unsafe_load(views[])))
        end
        pass_batch_results && return isempty(out) ? nothing : out[end]
        return out
    finally
        L.nb_result_list_free(res[])
    end
end

"""
    multi_channel_apply(f, bp; mode=:memory, output_path=nothing, from_time=nothing, to_time=nothing,
                        channels=:all, if_file_exists=:overwrite, cast_dtype=nothing, cleanup_function=nothing,
                        pass_batch_info=false, pass_batch_results=false, show_progress_bar=false, progress=nothing)

`f(data)` over every multi-channel batch (YASS's `multi_channel_apply`).
`f` returns a number, a vector (one row) or a matrix of any element type.
With `pass_batch_info`, `f(data, idx_local, idx)`; with `pass_batch_results`,
also the previous batch's final result (`nothing` for the first) as the last
argument, and only the last result is returned. `cast_dtype` (`:float32`,
…) converts results before `cleanup_function(result, idx_local, idx,
buffer_size)`; `cleanup_function = :trim_buffer` keeps `result[idx_local, :]`.

`mode = :memory` returns every result in batch order; `mode = :disk` writes
them to `output_path` with its sidecar and returns `(path, params)`.
`if_file_exists` is `:overwrite`, `:abort` or `:skip`. `progress(done, total)`
may return `true` to cancel. An exception in `f` is rethrown after the
library returned, and leaves no output file.
"""
multi_channel_apply(f, bp::BatchProcessor; kw...) = run_apply(f, bp, L.NB_TRAVERSAL_MULTI_CHANNEL, true; kw...)

"""
    single_channel_apply(f, bp; mode=:memory, output_path=nothing, force_complete_channel_batch=true,
                         from_time=nothing, to_time=nothing, channels=:all, if_file_exists=:overwrite,
                         cast_dtype=nothing, show_progress_bar=false, progress=nothing)

`f(series)` over every single-channel batch (YASS's `single_channel_apply`);
`series` is an `n × 1` matrix. Disk outputs hold one channel's results after
another, in "channels" order.
"""
single_channel_apply(f, bp::BatchProcessor; force_complete_channel_batch::Bool=true, kw...) =
    run_apply(f, bp, L.NB_TRAVERSAL_SINGLE_CHANNEL, force_complete_channel_batch; kw...)

# ---------------------------------------------------------------- writer

"""
    Writer(path, order, n_channels, T)

The result sink on its own: `append!(w, matrix)` (order `:samples`) or
`append_channel!(w, position, vector)` (order `:channels`, positions from 1),
then `finish!(w)` publishes data and sidecar atomically and returns
`(path, params)`. Closed (or finalized) without `finish!`, it leaves no output.
"""
mutable struct Writer <: Handle
    ptr::Ptr{Cvoid}
    path::String
    function Writer(path::AbstractString, order::Symbol, n_channels::Integer, ::Type{T}) where {T}
        out = Ref{Ptr{Cvoid}}(C_NULL)
        check(L.nb_writer_open(String(path), order_code(order), n_channels, dtype_code(T), out))
        w = new(out[], String(path))
        finalizer(close, w)
        return w
    end
end

free_handle(::Writer) = L.nb_writer_free

function Base.append!(w::Writer, a::AbstractMatrix{T}) where {T<:Real}
    m = Matrix{T}(a)
    check(L.nb_writer_append(w, dtype_code(T), size(m, 1), size(m, 2), L.NB_LAYOUT_CHANNEL_MAJOR, m))
    return w
end

function append_channel!(w::Writer, position::Integer, v::AbstractArray{T}) where {T<:Real}
    position >= 1 || throw(ArgumentError("channel positions count from 1, got $position"))
    a = Vector{T}(vec(v))
    check(L.nb_writer_append_channel(w, position - 1, dtype_code(T), length(a), 1, L.NB_LAYOUT_SAMPLE_MAJOR, a))
    return w
end

function finish!(w::Writer)
    res = Ref{Ptr{Cvoid}}(C_NULL)
    check(L.nb_writer_finish(w, res))
    try
        return output_tuple(res[], 0)
    finally
        L.nb_result_list_free(res[])
        close(w)
    end
end

# ---------------------------------------------------------------- pipeline

"""
    PipedTransformation(f, output_name; mode=:single_channel_one_batch, keep=false,
                        if_file_exists=:overwrite, cast_dtype=nothing)

One step of a [`BatchPipeline`](@ref). `mode` is `:single_channel_one_batch`,
`:single_channel` or `:multi_channel`; `keep = false` deletes the step's
output once the next step has consumed it.
"""
struct PipedTransformation
    f::Any
    output_name::String
    mode::Symbol
    keep::Bool
    if_file_exists::Symbol
    cast_dtype::Any
end
PipedTransformation(f, output_name::AbstractString; mode::Symbol=:single_channel_one_batch, keep::Bool=false,
                    if_file_exists::Symbol=:overwrite, cast_dtype=nothing) =
    PipedTransformation(f, String(output_name), mode, keep, if_file_exists, cast_dtype)

"""
    BatchPipeline(path_to_input; dtype, n_channels, data_order, max_memory="1GB", output_path,
                  from_time=nothing, to_time=nothing, channels=:all)

Steps chained on one input, each reading the previous step's output through
its sidecar (YASS's BatchPipeline). `add!(p, steps...)`, then `run(p)`
returns `(paths, params)`. The time range and channels apply to the first
step only; every step is validated before the first runs.
"""
mutable struct BatchPipeline
    input::String
    open_kw::NamedTuple
    max_memory::Any
    output_path::String
    range_kw::NamedTuple
    steps::Vector{PipedTransformation}
end
BatchPipeline(path_to_input::AbstractString; dtype=nothing, n_channels=nothing, data_order=nothing, max_memory="1GB",
              output_path::AbstractString, from_time=nothing, to_time=nothing, channels=:all) =
    BatchPipeline(String(path_to_input), (; dtype, n_channels, data_order), max_memory, String(output_path),
                  (; from_time, to_time, channels), PipedTransformation[])

add!(p::BatchPipeline, steps::PipedTransformation...) = (append!(p.steps, steps); p)

function pipeline_mode(mode::Symbol)
    out = Ref{Int32}(0)
    check(L.nb_pipeline_mode_from_name(String(mode), out))
    return out[]
end

function Base.run(p::BatchPipeline)
    # The first step's options come from a processor on the input (it checks
    # range and channels against the recording).
    bp = BatchProcessor(p.input; p.open_kw..., max_memory=p.max_memory)
    try
        batch, ch = batch_options(bp, L.NB_TRAVERSAL_MULTI_CHANNEL, true; p.range_kw...)
        init = Ref{L.nb_open_options}()
        check(L.nb_open_options_init(init, L.NB_OPEN_OPTIONS_VERSION))
        open_opts = L.nb_open_options(init[].version, dtype_code(p.open_kw.dtype),
                                      p.open_kw.n_channels === nothing ? 0 : p.open_kw.n_channels,
                                      order_code(p.open_kw.data_order), L.NB_LOADER_PREAD, 0.0, Int64(-1), Ptr{UInt8}(C_NULL), false)
        ctxs = [ApplyContext(s.f, nothing, nothing, false, false, nothing) for s in p.steps]
        names = [s.output_name for s in p.steps]
        cb = @cfunction(pipeline_callback, Cint, (Ptr{L.nb_batch}, Ptr{L.nb_result_view}, Ptr{Cvoid}, Ptr{Cvoid}))
        pinit = Ref{L.nb_pipeline_options}()
        check(L.nb_pipeline_options_init(pinit, L.NB_PIPELINE_OPTIONS_VERSION))
        res = Ref{Ptr{Cvoid}}(C_NULL)
        status = GC.@preserve ch ctxs names p begin
            steps = L.nb_pipeline_step[]
            for (k, s) in enumerate(p.steps)
                sinit = Ref{L.nb_pipeline_step}()
                check(L.nb_pipeline_step_init(sinit, L.NB_PIPELINE_STEP_VERSION))
                push!(steps, L.nb_pipeline_step(sinit[].version, cb, pointer_from_objref(ctxs[k]), pointer(names[k]),
                                                pipeline_mode(s.mode), s.keep, if_file_exists_code(s.if_file_exists),
                                                dtype_code(s.cast_dtype)))
            end
            popts = L.nb_pipeline_options(pinit[].version, pointer(p.output_path), UInt32(0), C_NULL, C_NULL)
            GC.@preserve steps begin
                ptrs = [pointer(steps, k) for k in 1:length(steps)]
                L.nb_pipeline_run(p.input, Ref(open_opts), Ref(batch), Ref(popts), ptrs, length(ptrs), res, C_NULL)
            end
        end
        for c in ctxs
            if c.error !== nothing
                L.nb_result_list_free(res[])
                throw(c.error)
            end
        end
        check(status)
        try
            outs = [output_tuple(res[], i) for i in 0:Int(L.nb_result_list_n_outputs(res[])) - 1]
            return first.(outs), last.(outs)
        finally
            L.nb_result_list_free(res[])
        end
    finally
        close(bp)
    end
end

"""
    shard_finish(output_path, n) -> (path, params)

Publishes the output of a disk apply run as `n` shards (`shard=(k, n)` in
`multi_channel_apply` and friends, one call per shard, in any processes)
once every shard returned: checks that all completed and agree, assembles the
output (byte-identical to an unsharded run), writes the sidecar and removes
every hidden piece. Throws an `NBError` (status `NB_STATUS_SHARD_INCOMPLETE`)
naming the missing or inconsistent shard; nothing is published then.
"""
function shard_finish(output_path, n::Integer)
    res = Ref{Ptr{Cvoid}}(C_NULL)
    check(L.nb_shard_finish(String(output_path), UInt64(n), C_NULL, res))
    try
        return output_tuple(res[], 0)
    finally
        L.nb_result_list_free(res[])
    end
end

"""
    shard_abort(output_path, n)

Removes every hidden piece of a sharded disk apply after a shard failed.
"""
shard_abort(output_path, n::Integer) = (check(L.nb_shard_abort(String(output_path), UInt64(n), C_NULL)); nothing)

end # module
