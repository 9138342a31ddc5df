"""
    NeuroBatch

Memory-bounded batch reading of large multi-channel binary recordings
(Neuropixels and friends) through libneurobatch: what YASS's `yass.batch`
does, from Julia. User guide: `docs/julia.md` in the neurobatch repository.

Indices here count from 1, as Julia does: rows, channels, streams, shards,
`idx_local` and `idx`. `from_time`/`to_time` keep YASS's meaning (observations
skipped before the range, and the end of the range, excluded), so
`from_time = 0, to_time = 1000` is rows `1:1000`. The flat C layer, 0-based
and generated from the header, is `NeuroBatch.LibNeuroBatch`.

The library is `ENV["NB_LIBRARY"]` when set (a path), else the build of this
checkout (`target/release`), else the system's (`libneurobatch.so.0` on
Linux, `libneurobatch.0.dylib` on macOS, `neurobatch.dll` on Windows); its
ABI version is checked when the package loads.

User functions (apply, cleanup, progress, pipeline steps) always run on the
calling thread, one batch after another: the Julia package never asks the
library for worker threads.
"""
module NeuroBatch

using Libdl

include("LibNeuroBatch.jl")
const L = LibNeuroBatch

export NBError, RecordingsReader, BatchProcessor, Cursor, Writer, BatchPipeline, PipedTransformation,
       multi_channel, single_channel, unsafe_batches, multi_channel_apply, single_channel_apply, convert_recording,
       add!, finish!, append_channel!, parse_max_memory, cast_values, shard_finish, shard_abort,
       sampling_rate, scales_uv, channel_kinds, recording_format

# ---------------------------------------------------------------- library

"""
    library_names(; windows=Sys.iswindows(), apple=Sys.isapple()) -> Vector{String}

The file names libneurobatch has on an OS, the versioned one (the ABI
version of this package's header) first.
"""
function library_names(; windows::Bool=Sys.iswindows(), apple::Bool=Sys.isapple())
    abi = Int(L.NB_ABI_VERSION)
    windows && return ["neurobatch.dll", "libneurobatch.dll"]
    apple && return ["libneurobatch.$abi.dylib", "libneurobatch.dylib"]
    return ["libneurobatch.so.$abi", "libneurobatch.so"]
end

# The repository this package sits in (bindings/julia/NeuroBatch/src/..).
checkout_dir() = normpath(joinpath(@__DIR__, "..", "..", "..", ".."))

"""
    open_library(env=ENV; checkout=checkout_dir()) -> (path, handle)

`dlopen`s libneurobatch: `env["NB_LIBRARY"]` alone when it is set, else
`checkout/target/release/<name>` and then the system search (`LD_LIBRARY_PATH`
and the linker cache on Linux, `DYLD_LIBRARY_PATH` and the usual directories
on macOS, `PATH` on Windows) for each of [`library_names`](@ref). Throws an
error listing every place tried and why it failed.
"""
function open_library(env=ENV; checkout::AbstractString=checkout_dir())
    explicit = get(env, "NB_LIBRARY", "")
    candidates = if !isempty(explicit)
        [explicit]
    else
        release = joinpath(checkout, "target", "release")
        [[joinpath(release, n) for n in library_names() if isfile(joinpath(release, n))]; library_names()]
    end
    tried = String[]
    for path in candidates
        try
            return path, Libdl.dlopen(path)
        catch err
            place = isabspath(path) ? path : "$path (system search)"
            push!(tried, "  $place: " * first(split(sprint(showerror, err), '\n')))
        end
    end
    error("NeuroBatch: libneurobatch could not be loaded. Tried:\n", join(tried, "\n"), "\n",
          isempty(explicit) ? "Set ENV[\"NB_LIBRARY\"] to the path of $(first(library_names())) before `using NeuroBatch`." :
                              "ENV[\"NB_LIBRARY\"] is set, so nothing else was tried.")
end

function __init__()
    path, handle = open_library()
    L.HANDLE[] = handle
    L.LIBRARY[] = path
    abi = L.nb_abi_version()
    abi == L.NB_ABI_VERSION ||
        error("NeuroBatch: $path has ABI version $abi; this package was generated for ABI $(L.NB_ABI_VERSION)")
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

# The calling thread's last error message. Called right after the failing
# call, with no task switch in between, so it is that call's message.
function last_error()
    while true
        n = L.nb_last_error_copy(C_NULL, 0)
        buf = Vector{UInt8}(undef, n + 1)
        n == L.nb_last_error_copy(buf, length(buf)) && return String(buf[1:n])
    end
end

# Throws for errors; returns OK, DONE, STOPPED and NOT_YET.
check(status::Integer) = status < 0 ? throw(NBError(status, last_error())) : status

# A string given by the user, for C: refused when it holds a NUL (C would
# read only what comes before it: another path, another name).
function c_string(s::AbstractString, what::AbstractString)
    str = String(s)
    Base.containsnul(str) &&
        throw(ArgumentError("$what contains a NUL character, which C would read as the end of the string: $(repr(str))"))
    return str
end
c_string(s::Symbol, what::AbstractString) = c_string(String(s), what)
c_string(s, what::AbstractString) = throw(ArgumentError("$what must be a string, got $(repr(s))"))

# ---------------------------------------------------------------- C structs

# A copy of C struct `s` (immutable in Julia) with the fields named in `kw`
# replaced; fields not named keep their value, so fields appended to the
# header keep the defaults nb_*_init gave them.
function with_fields(::Type{T}, s::T; kw...) where {T}
    for k in keys(kw)
        k in fieldnames(T) || throw(ArgumentError("$T has no field $k; its fields: $(join(fieldnames(T), ", "))"))
    end
    values = ntuple(fieldcount(T)) do i
        name = fieldname(T, i)
        haskey(kw, name) ? convert(fieldtype(T, i), kw[name]) : getfield(s, i)
    end
    return T(values...)
end

init_struct!(r::Ref{L.nb_open_options}) = L.nb_open_options_init(r, L.NB_OPEN_OPTIONS_VERSION)
init_struct!(r::Ref{L.nb_batch_options}) = L.nb_batch_options_init(r, L.NB_BATCH_OPTIONS_VERSION)
init_struct!(r::Ref{L.nb_apply_options}) = L.nb_apply_options_init(r, L.NB_APPLY_OPTIONS_VERSION)
init_struct!(r::Ref{L.nb_pipeline_step}) = L.nb_pipeline_step_init(r, L.NB_PIPELINE_STEP_VERSION)
init_struct!(r::Ref{L.nb_pipeline_options}) = L.nb_pipeline_options_init(r, L.NB_PIPELINE_OPTIONS_VERSION)

# The library's defaults for options struct `T`, with the fields in `kw` set.
function c_options(::Type{T}; kw...) where {T}
    init = Ref{T}()
    check(init_struct!(init))
    return with_fields(T, init[]; kw...)
end

# A NUL-terminated pointer to `s` for a struct field, or NULL for `nothing`;
# `s` must stay rooted (GC.@preserve) while the struct is used. Converting
# to Cstring refuses strings containing NUL.
cstring_field(s::String) = Base.unsafe_convert(Cstring, s)
cstring_field(::Nothing) = Cstring(C_NULL)

# ---------------------------------------------------------------- dtypes

const JULIA_TYPES = (Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float32, Float64)
const DTYPE_CODES = (L.NB_DTYPE_INT8, L.NB_DTYPE_UINT8, L.NB_DTYPE_INT16, L.NB_DTYPE_UINT16, L.NB_DTYPE_INT32,
                     L.NB_DTYPE_UINT32, L.NB_DTYPE_INT64, L.NB_DTYPE_UINT64, L.NB_DTYPE_FLOAT32, L.NB_DTYPE_FLOAT64)

function julia_type(code::Integer)
    k = findfirst(==(code), DTYPE_CODES)
    k === nothing && error("NeuroBatch: the library reported dtype code $code, which this package does not know")
    return JULIA_TYPES[k]
end

function dtype_code(::Type{T}) where {T}
    k = findfirst(t -> t === T, JULIA_TYPES)
    k === nothing && throw(ArgumentError("$T is not a recording dtype: use Int8, UInt8, Int16, UInt16, Int32, " *
                                         "UInt32, Int64, UInt64, Float32 or Float64"))
    return DTYPE_CODES[k]
end
function dtype_code(name::Union{AbstractString,Symbol})
    out = Ref{L.nb_dtype}(0)
    check(L.nb_dtype_from_name(c_string(name, "dtype"), out))
    return out[]
end
dtype_code(::Nothing) = L.NB_DTYPE_UNSET
dtype_code(x) = throw(ArgumentError("dtype must be a type (Int16), a name (:int16, \"int16\") or nothing, got $(repr(x))"))

dtype_name(code::Integer) = Symbol(unsafe_string(L.nb_dtype_name(code)))

function order_code(name::Union{AbstractString,Symbol})
    out = Ref{L.nb_data_order}(0)
    check(L.nb_data_order_from_name(c_string(name, "data_order"), out))
    return out[]
end
order_code(::Nothing) = L.NB_DATA_ORDER_UNSET
order_code(x) = throw(ArgumentError("data_order must be :samples, :channels (aliases :long, :wide) or nothing, got $(repr(x))"))

order_name(code::Integer) = code == L.NB_DATA_ORDER_SAMPLES ? :samples : :channels

"""
    option_code(what, value, choices...)

The C constant of the Symbol `value` among `choices` (`:name => constant`);
any other value is an ArgumentError naming `what`, the choices and the value.
"""
function option_code(what::AbstractString, value, choices::Pair{Symbol}...)
    for (name, code) in choices
        value === name && return code
    end
    names = map(c -> repr(first(c)), collect(choices))
    listed = length(names) == 1 ? names[1] : join(names[1:end-1], ", ") * " or " * names[end]
    throw(ArgumentError("$what must be $listed, got $(repr(value))"))
end

loader_code(x) = option_code("loader", x, :pread => L.NB_LOADER_PREAD, :mmap => L.NB_LOADER_MMAP)
edge_code(x) = option_code("edge", x, :zeros => L.NB_EDGE_ZEROS, :reflect => L.NB_EDGE_REFLECT, :replicate => L.NB_EDGE_REPLICATE)
read_ahead_code(x) = option_code("read_ahead", x, :auto => L.NB_READ_AHEAD_AUTO, :on => L.NB_READ_AHEAD_ON, :off => L.NB_READ_AHEAD_OFF)

function if_file_exists_code(v)
    out = Ref{L.nb_if_file_exists}(0)
    check(L.nb_if_file_exists_from_name(c_string(v, "if_file_exists"), out))
    return out[]
end

function pipeline_mode_code(mode)
    out = Ref{L.nb_pipeline_mode}(0)
    check(L.nb_pipeline_mode_from_name(c_string(mode, "mode"), out))
    return out[]
end

"""
    parse_max_memory(text) -> UInt64

YASS's `max_memory` text ("300MB", "1GB", "100KB", "160B"; 1024-based) in bytes.
"""
function parse_max_memory(text::AbstractString)
    out = Ref{UInt64}(0)
    check(L.nb_max_memory_parse(c_string(text, "max_memory"), out))
    return out[]
end

memory_bytes(x::AbstractString) = parse_max_memory(x)
function memory_bytes(x::Integer)
    x >= 0 || throw(ArgumentError("max_memory must be a non-negative number of bytes, got $x"))
    return UInt64(x)
end
memory_bytes(x) = throw(ArgumentError("max_memory must be a number of bytes or a text such as \"300MB\", got $(repr(x))"))

"""
    cast_values(T, x) -> Array{T}

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

# 1-based channels (`:all`, `:`, a number or a vector) to 0-based C
# indices; `nothing` for all channels.
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
channel_list(c, n) = throw(ArgumentError("channels must be :all, a channel number or a vector of them, got $(repr(c))"))

# ---------------------------------------------------------------- callbacks

# Library calls that call back into Julia (apply, pipelines) run through this.
#
# The task is pinned to its OS thread, for good, as Julia itself pins a task
# that starts an @async child: a callback may yield (printing does), and an
# unpinned task could then resume on another thread with the library's
# frames on its stack, against the library's thread rules (its last error is
# per thread; callbacks run on the calling thread).
#
# Ctrl-C is deferred while library code runs and delivered only inside the
# user's code in a callback (`run_user`), within the callback's try: the
# library then stops at that batch, leaves no output, and the
# InterruptException is rethrown here.
function with_callbacks(f)
    current_task().sticky = true
    return Base.disable_sigint(f)
end

run_user(f) = Base.reenable_sigint(f)

# What a callback returns to the library. Named constants, so that no
# conversion to Cint can fail outside a callback's try.
const CALLBACK_CONTINUE = Cint(0)
const CALLBACK_STOP = Cint(1)
const CALLBACK_FAILED = Cint(-1)

# What the C callbacks of one library call share; the first exception is
# kept, with its backtrace, and rethrown after the call returned.
mutable struct CallbackContext
    f::Any
    cleanup::Any
    progress::Any
    pass_batch_info::Bool
    pass_batch_results::Bool
    error::Any
end
CallbackContext(f; cleanup=nothing, progress=nothing, pass_batch_info=false, pass_batch_results=false) =
    CallbackContext(f, cleanup, progress, pass_batch_info, pass_batch_results, nothing)

# Called from a callback's catch. Never throws: an exception here would
# unwind through the library.
function keep_error(data::Ptr{Cvoid}, e, backtrace)
    try
        ctx = unsafe_pointer_to_objref(data)::CallbackContext
        if ctx.error === nothing
            ctx.error = e isa InterruptException ? e : CapturedException(e, backtrace)
        end
    catch
    end
    return nothing
end

# The first exception a callback kept, rethrown: the user's exception and
# the backtrace of where it was thrown, as a CapturedException (its `ex` is
# the user's exception); a Ctrl-C as the InterruptException itself.
function rethrow_callback_error(ctxs...)
    for ctx in ctxs
        ctx.error === nothing || throw(ctx.error)
    end
    return nothing
end

function apply_callback(batch, previous, out, data)
    try
        ctx = unsafe_pointer_to_objref(data)::CallbackContext
        b = unsafe_load(batch)
        args = Any[copy(batch_block(julia_type(b.dtype), b))]
        if ctx.pass_batch_info
            idx_local, idx, _ = batch_index(b)
            push!(args, idx_local, idx)
        end
        ctx.pass_batch_results && push!(args, previous == C_NULL ? nothing : result_matrix(unsafe_load(previous)))
        result = run_user(() -> ctx.f(args...))
        set_result(out, result)
        return CALLBACK_CONTINUE
    catch e
        keep_error(data, e, catch_backtrace())
        return CALLBACK_FAILED
    end
end

function cleanup_callback(result, batch, out, data)
    try
        ctx = unsafe_pointer_to_objref(data)::CallbackContext
        b = unsafe_load(batch)
        idx_local, idx, _ = batch_index(b)
        r = result_matrix(unsafe_load(result))
        cleaned = run_user(() -> ctx.cleanup(r, idx_local, idx, Int(b.buffer_size)))
        # Unset, the slot keeps the result as it was (the header's rule).
        cleaned === nothing || set_result(out, cleaned)
        return CALLBACK_CONTINUE
    catch e
        keep_error(data, e, catch_backtrace())
        return CALLBACK_FAILED
    end
end

function progress_callback(done, total, data)
    try
        ctx = unsafe_pointer_to_objref(data)::CallbackContext
        cancel = run_user(() -> ctx.progress(Int(done), Int(total)))
        return cancel === true ? CALLBACK_STOP : CALLBACK_CONTINUE
    catch e
        keep_error(data, e, catch_backtrace())
        return CALLBACK_FAILED
    end
end

function progress_bar(done, total)
    width = 40
    filled = round(Int, width * done / max(total, 1))
    print(stderr, "\r[", "#"^filled, "."^(width - filled), "] ", done, "/", total, done == total ? "\n" : "")
    return false
end

apply_callback_ptr() =
    @cfunction(apply_callback, Cint, (Ptr{L.nb_batch}, Ptr{L.nb_result_view}, Ptr{L.nb_result_slot}, Ptr{Cvoid}))
cleanup_callback_ptr() =
    @cfunction(cleanup_callback, Cint, (Ptr{L.nb_result_view}, Ptr{L.nb_batch}, Ptr{L.nb_result_slot}, Ptr{Cvoid}))
progress_callback_ptr() = @cfunction(progress_callback, Cint, (UInt64, UInt64, Ptr{Cvoid}))

# ---------------------------------------------------------------- handles

# A Julia object owning one library handle in its atomic field `ptr`.
# `ccall` takes the object itself (and keeps it rooted during the call);
# `close` frees the handle exactly once, even when several tasks (or a task
# and the finalizer) close it at the same time. Closing a handle while
# another task is still using it is an error, as in C.
abstract type Handle end

function live_ptr(h::Handle)
    p = @atomic h.ptr
    p == C_NULL && throw(ArgumentError("this $(nameof(typeof(h))) is closed"))
    return p
end

function Base.close(h::Handle)
    p = @atomicswap h.ptr = C_NULL
    p == C_NULL || free_handle(h, p)
    return nothing
end

Base.isopen(h::Handle) = (@atomic h.ptr) != C_NULL

# ---------------------------------------------------------------- reader

"""
    RecordingsReader(path; dtype=nothing, n_channels=nothing, data_order=nothing, loader=:pread,
                     sampling_rate=nothing, stream=nothing)
    RecordingsReader(paths::AbstractVector; same keywords)

An open recording, read in [observation, channel] orientation whatever its
data order: a raw binary file with its sidecar YAML, a SpikeGLX `.bin` with
its `.meta`, or an Open Ephys `structure.oebin` / `continuous.dat`.

Keywords (parameters not given come from the metadata or the sidecar, the
path with its extension replaced by `.yaml`; given ones win):
- `dtype`: `Int16`, `:int16`, `"int16"`, ... (the file's element type);
- `n_channels`: channels in the file, at least 1;
- `data_order`: `:samples` (alias `:long`: all channels of an observation
  together) or `:channels` (alias `:wide`: each channel's series together);
- `loader`: `:pread` (positioned reads, the default) or `:mmap` (maps only
  the bytes each read needs; a file truncated meanwhile raises SIGBUS);
- `sampling_rate`: samples per second, when the metadata has none;
- `stream`: an Open Ephys stream, by number (counting from 1) or by name.

With a vector of paths, the files are one session recorded in parts,
concatenated in time without copying: observations are numbered across the
files, every file is opened with the same keywords, and all must agree.

`r[rows, channels]` reads a block as `Base` arrays index: `r[1:2000, 1:3]`,
`r[1:end, :]`, `r[:, 1]` (a vector), `r[5, :]`, `r[1:2:99, [7, 2]]`,
`r[end, end]`; out-of-range indices throw `BoundsError`. `size(r)`,
`axes(r)` and `eltype(r)` say what it holds. `close(r)` closes the file
(also done by the finalizer, and by `open(f, RecordingsReader, path; kw...)`
after `f`).
"""
mutable struct RecordingsReader{T} <: Handle
    @atomic ptr::Ptr{L.nb_reader}
    paths::Vector{String}
end

RecordingsReader(path::AbstractString; kw...) = open_reader([c_string(path, "path")], false; kw...)
RecordingsReader(paths::AbstractVector{<:AbstractString}; kw...) =
    open_reader([c_string(p, "paths[$k]") for (k, p) in enumerate(paths)], true; kw...)

stream_index(::Nothing) = Int64(-1)
stream_index(::AbstractString) = Int64(-1)
stream_index(s::Bool) = throw(ArgumentError("stream must be a stream number (from 1) or a stream name, got $s"))
function stream_index(s::Integer)
    s >= 1 || throw(ArgumentError("stream counts from 1 (the first stream of structure.oebin is stream = 1), got $s"))
    return Int64(s - 1)
end
stream_index(s) = throw(ArgumentError("stream must be a stream number (from 1) or a stream name, got $(repr(s))"))

function stream_name(s::AbstractString)
    isempty(s) && throw(ArgumentError("stream name is empty"))
    return c_string(s, "stream")
end
stream_name(_) = nothing

function rate_value(rate)
    rate === nothing && return 0.0
    rate isa Real && isfinite(rate) && rate > 0 && return Float64(rate)
    throw(ArgumentError("sampling_rate must be a positive number of samples per second, got $(repr(rate))"))
end

function channels_value(n)
    n === nothing && return Csize_t(0)
    n isa Integer && n >= 1 && return Csize_t(n)
    throw(ArgumentError("n_channels must be at least 1, got $(repr(n))"))
end

# The open options of the keywords; the stream name is set later (it is a
# pointer, valid only while its string is rooted).
function open_options(; dtype=nothing, n_channels=nothing, data_order=nothing, loader::Symbol=:pread,
                      sampling_rate=nothing, stream=nothing)
    return c_options(L.nb_open_options; dtype=dtype_code(dtype), n_channels=channels_value(n_channels),
                     data_order=order_code(data_order), loader=loader_code(loader),
                     sampling_rate=rate_value(sampling_rate), stream_index=stream_index(stream)),
           stream_name(stream)
end

function open_reader(paths::Vector{String}, session::Bool; kw...)
    isempty(paths) && throw(ArgumentError("the list of paths is empty: give at least one file"))
    opts, name = open_options(; kw...)
    out = Ref{Ptr{L.nb_reader}}(C_NULL)
    status = GC.@preserve name paths begin
        o = with_fields(L.nb_open_options, opts; stream_name=cstring_field(name))
        if session
            cpaths = [Base.unsafe_convert(Cstring, p) for p in paths]
            L.nb_reader_open_files(cpaths, length(cpaths), Ref(o), out)
        else
            L.nb_reader_open(paths[1], Ref(o), out)
        end
    end
    stream = get(kw, :stream, nothing)
    if status < 0 && stream isa Integer
        # The library's messages count streams from 0.
        e = NBError(status, last_error())
        throw(NBError(e.status, "$(e.msg) (stream = $stream here: streams count from 1 in Julia, from 0 in the library)"))
    end
    check(status)
    T = julia_type(L.nb_reader_dtype(out[]))
    r = RecordingsReader{T}(out[], paths)
    finalizer(close, r)
    return r
end

free_handle(::RecordingsReader, p) = L.nb_reader_free(p)
Base.unsafe_convert(::Type{Ptr{L.nb_reader}}, r::RecordingsReader) = live_ptr(r)

function Base.open(f::Function, ::Type{RecordingsReader}, path; kw...)
    r = RecordingsReader(path; kw...)
    try
        return f(r)
    finally
        close(r)
    end
end

n_observations(r::RecordingsReader) = Int(L.nb_reader_n_observations(r))
n_channels(r::RecordingsReader) = Int(L.nb_reader_n_channels(r))
Base.eltype(::Type{RecordingsReader{T}}) where {T} = T
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
    channel_kinds(r) -> Union{Vector{Symbol}, Nothing}

What each channel holds, from the SpikeGLX or Open Ephys metadata:
`:neural` (wideband), `:neural_ap`, `:neural_lf`, `:analog`, `:digital`
(sync/digital words, scale 1) or `:unknown`; `nothing` for plain files.
The neural channels: `findall(k -> k in (:neural, :neural_ap), channel_kinds(r))`.
"""
function channel_kinds(r::RecordingsReader)
    v = Vector{L.nb_channel_kind}(undef, n_channels(r))
    st = L.nb_reader_channel_kinds(r, v, length(v))
    st == L.NB_STATUS_NO_METADATA && return nothing
    check(st)
    return kind_symbols(v)
end

# The names are static strings of the library, not memory of a reader.
kind_symbols(v) = [Symbol(unsafe_string(L.nb_channel_kind_name(k))) for k in v]

"""
    recording_format(r) -> Symbol

`:raw` (sidecar or keywords), `:spikeglx` or `:openephys`.
"""
recording_format(r::RecordingsReader) = GC.@preserve r Symbol(unsafe_string(L.nb_reader_format(r)))

"""
    data_path(r) -> String

The data file read (for Open Ephys, the stream's `continuous.dat`; for a
session, its first file).
"""
function data_path(r::RecordingsReader)
    while true
        n = L.nb_reader_data_path(r, C_NULL, 0)
        buf = Vector{UInt8}(undef, n + 1)
        n == L.nb_reader_data_path(r, buf, length(buf)) && return String(buf[1:n])
    end
end

Base.size(r::RecordingsReader) = (n_observations(r), n_channels(r))
function Base.size(r::RecordingsReader, d::Integer)
    d >= 1 || throw(ArgumentError("dimension must be at least 1, got $d"))
    return d <= 2 ? size(r)[d] : 1
end
Base.axes(r::RecordingsReader) = map(Base.OneTo, size(r))
Base.axes(r::RecordingsReader, d::Integer) = Base.OneTo(size(r, d))
Base.ndims(::Type{<:RecordingsReader}) = 2
Base.ndims(r::RecordingsReader) = 2
Base.firstindex(r::RecordingsReader, d::Integer) = 1
Base.lastindex(r::RecordingsReader, d::Integer) = size(r, d)

Base.checkbounds(::Type{Bool}, r::RecordingsReader, i, j) =
    Base.checkindex(Bool, axes(r, 1), i) & Base.checkindex(Bool, axes(r, 2), j)
function Base.checkbounds(r::RecordingsReader, i, j)
    checkbounds(Bool, r, i, j) || throw(BoundsError(r, (i, j)))
    return nothing
end

function Base.summary(io::IO, r::RecordingsReader{T}) where {T}
    isopen(r) ? print(io, n_observations(r), "×", n_channels(r), " RecordingsReader{", T, "}") :
                print(io, "closed RecordingsReader{", T, "}")
end
function Base.show(io::IO, r::RecordingsReader)
    summary(io, r)
    print(io, "(", repr(length(r.paths) == 1 ? r.paths[1] : r.paths))
    isopen(r) && print(io, ", ", data_order(r), " order")
    print(io, ")")
end

# Rows and channels of an index, as vectors of 1-based positions.
index_positions(::Colon, n) = Base.OneTo(n)
index_positions(i::Integer, n) = i:i
index_positions(i::AbstractVector{Bool}, n) = findall(i)
index_positions(i::AbstractVector{<:Integer}, n) = i

function Base.getindex(r::RecordingsReader, i, j)
    checkbounds(r, i, j)
    block = read_block(r, index_positions(i, size(r, 1)), j isa Colon ? nothing : index_positions(j, size(r, 2)))
    i isa Integer && j isa Integer && return block[1, 1]
    (i isa Integer || j isa Integer) && return vec(block)
    return block
end

# Rows `rows` (any order, repeats allowed) of channels `chans` (nothing: all),
# in one library read per run of consecutive rows.
function read_block(r::RecordingsReader{T}, rows::AbstractVector{<:Integer}, chans) where {T}
    nc = chans === nothing ? n_channels(r) : length(chans)
    out = Matrix{T}(undef, length(rows), nc)
    (isempty(rows) || nc == 0) && return out
    c0 = chans === nothing ? nothing : Csize_t[c - 1 for c in chans]
    k = 1
    while k <= length(rows)
        m = k
        while m < length(rows) && rows[m + 1] == rows[m] + 1
            m += 1
        end
        if k == 1 && m == length(rows)
            read_rows!(out, r, rows[k] - 1, rows[m], c0)
        else
            part = Matrix{T}(undef, m - k + 1, nc)
            read_rows!(part, r, rows[k] - 1, rows[m], c0)
            out[k:m, :] = part
        end
        k = m + 1
    end
    return out
end

# Observations [from, to) (0-based, C's) into `out`, column-major.
read_rows!(out::Matrix, r::RecordingsReader, from, to, c0) =
    check(L.nb_reader_read(r, UInt64(from), UInt64(to), c0 === nothing ? C_NULL : c0, c0 === nothing ? 0 : length(c0),
                           0, L.NB_LAYOUT_CHANNEL_MAJOR, out, sizeof(out), C_NULL))

"""
    sidecar_path(path) -> String

The sidecar YAML of a data file: its last extension replaced by `.yaml`.
"""
function sidecar_path(path::AbstractString)
    p = c_string(path, "path")
    need = Ref{Csize_t}(0)
    L.nb_sidecar_path(p, C_NULL, 0, need)
    buf = Vector{UInt8}(undef, need[])
    check(L.nb_sidecar_path(p, buf, length(buf), need))
    return String(buf[1:end-1])
end

# ---------------------------------------------------------------- batch processor

"""
    BatchProcessor(path_or_paths; dtype=nothing, n_channels=nothing, data_order=nothing, loader=:pread,
                   sampling_rate=nothing, stream=nothing, max_memory="1GB", buffer_size=0,
                   edge=:zeros, microvolts=false, read_ahead=:auto)

Memory-bounded batches of a recording (YASS's BatchProcessor). The file
keywords are [`RecordingsReader`](@ref)'s; a vector of paths is a session
recorded in parts. `max_memory` is bytes or text such as "300MB"
(1024-based); batches hold `max_memory ÷ (channels × itemsize)` observations,
as in YASS. `buffer_size` extra observations on each side of every batch are
not counted in `max_memory`; beyond the recording's edges they hold zeros
(`edge = :zeros`, as YASS), the recording mirrored without repeating the edge
sample (`:reflect`) or the edge sample repeated (`:replicate`, as Kilosort).
`microvolts = true` delivers Float32 microvolts (values × [`scales_uv`](@ref);
recordings without scales fail with an `NBError`). `read_ahead`: `:on`, a
library thread reads the next batch while the current one is used (a second
batch in memory, up to twice `max_memory`; the batches are the same);
`:auto` (default) reads ahead in the apply functions, pipelines and
[`convert_recording`](@ref), not in cursors; `:off` never.

Traversals: [`multi_channel`](@ref), [`single_channel`](@ref) (and
[`unsafe_batches`](@ref) to iterate without copies); functions over every
batch: [`multi_channel_apply`](@ref), [`single_channel_apply`](@ref); every
batch copied (cast, subset) to a file or to memory: [`convert_recording`](@ref).
`close(bp)` closes the recording; `open(f, BatchProcessor, path; kw...)`
closes it after `f`.
"""
struct BatchProcessor{T}
    reader::RecordingsReader
    max_memory::UInt64
    buffer_size::Int
    edge::Symbol
    microvolts::Bool
    read_ahead::Symbol
end

function BatchProcessor(path; dtype=nothing, n_channels=nothing, data_order=nothing, loader::Symbol=:pread,
                        sampling_rate=nothing, stream=nothing, max_memory="1GB", buffer_size::Integer=0,
                        edge::Symbol=:zeros, microvolts::Bool=false, read_ahead=:auto)
    path isa Union{AbstractString,AbstractVector{<:AbstractString}} ||
        throw(ArgumentError("BatchProcessor takes a path or a vector of paths, got $(repr(path))"))
    buffer_size >= 0 || throw(ArgumentError("buffer_size must be non-negative, got $buffer_size"))
    edge_code(edge)
    read_ahead_code(read_ahead)
    mm = memory_bytes(max_memory)
    r = RecordingsReader(path; dtype, n_channels, data_order, loader, sampling_rate, stream)
    T = microvolts ? Float32 : eltype(r)
    return BatchProcessor{T}(r, mm, Int(buffer_size), edge, microvolts, read_ahead)
end

Base.close(bp::BatchProcessor) = close(bp.reader)
Base.isopen(bp::BatchProcessor) = isopen(bp.reader)
function Base.open(f::Function, ::Type{BatchProcessor}, path; kw...)
    bp = BatchProcessor(path; kw...)
    try
        return f(bp)
    finally
        close(bp)
    end
end

function time_value(t, what, default)
    t === nothing && return default
    t isa Integer && t >= 0 && return UInt64(t)
    throw(ArgumentError("$what must be a non-negative number of observations or nothing, got $(repr(t))"))
end

# The C options of a traversal, without the channel list (a pointer, set
# while `channels` is rooted), and the list.
function batch_options(bp::BatchProcessor, traversal, force_complete::Bool; from_time=nothing, to_time=nothing,
                       channels=:all)
    ch = channel_list(channels, n_channels(bp.reader))
    opts = c_options(L.nb_batch_options; max_memory=bp.max_memory, from_time=time_value(from_time, "from_time", UInt64(0)),
                     to_time=time_value(to_time, "to_time", L.NB_TO_END), buffer_size=UInt64(bp.buffer_size),
                     traversal=traversal, force_complete_channel_batch=force_complete,
                     layout=L.NB_LAYOUT_CHANNEL_MAJOR, edge=edge_code(bp.edge), microvolts=bp.microvolts,
                     read_ahead=read_ahead_code(bp.read_ahead))
    return opts, ch
end

# `opts` pointing at `ch`; valid while `ch` is rooted.
with_channels(opts::L.nb_batch_options, ch) =
    with_fields(L.nb_batch_options, opts; channels=ch === nothing ? Ptr{Csize_t}(C_NULL) : pointer(ch),
                n_channels=ch === nothing ? 0 : length(ch))

# ---------------------------------------------------------------- cursors

const BatchTuple{T} = NamedTuple{(:data, :idx_local, :idx, :channel),
                                 Tuple{Matrix{T},UnitRange{Int},Tuple{UnitRange{Int},Vector{Int}},Union{Int,Nothing}}}

"""
    Cursor{T}

The batches of one traversal ([`multi_channel`](@ref), [`single_channel`](@ref)).
Iterating yields named tuples `(data, idx_local, idx, channel)`: `data` is
an `observations × channels` `Matrix{T}` (buffer rows included; a copy, yours
to keep), `data[idx_local, :]` the batch's own rows, `idx = (rows, channels)`
its place in the recording, `channel` the channel of a single-channel batch
(`nothing` for multi-channel). `for (data, idx_local, idx) in multi_channel(bp)`
works as in YASS.

A cursor is a collection: `length(c)` batches, every loop over it starts at
the first batch (`first(c)`, then `collect(c)`, gives all of them). One loop
at a time: starting a loop while another loop over the same cursor is not
finished makes the older loop throw. For faster loops without copies, see
[`unsafe_batches`](@ref).

The library memory of a cursor (a block of up to `max_memory` bytes plus
buffer rows) is released when a loop reaches its end, by `close(c)`, or by
the finalizer; the do-block form `multi_channel(bp) do c ... end` closes it
when the block ends. A closed cursor cannot be iterated.
"""
mutable struct Cursor{T}
    @atomic ptr::Ptr{L.nb_cursor}
    reader::RecordingsReader
    options::L.nb_batch_options
    channels::Union{Nothing,Vector{Csize_t}}
    n_batches::Int
    walk::Int
    @atomic closed::Bool
end

function start_cursor(reader::RecordingsReader, options::L.nb_batch_options, channels)
    out = Ref{Ptr{L.nb_cursor}}(C_NULL)
    GC.@preserve channels check(L.nb_cursor_new(reader, Ref(with_channels(options, channels)), out))
    return out[]
end

function make_cursor(bp::BatchProcessor{T}, traversal, force_complete::Bool; kw...) where {T}
    opts, ch = batch_options(bp, traversal, force_complete; kw...)
    p = start_cursor(bp.reader, opts, ch)
    c = Cursor{T}(p, bp.reader, opts, ch, Int(L.nb_cursor_n_batches(p)), 0, false)
    finalizer(close, c)
    return c
end

function Base.unsafe_convert(::Type{Ptr{L.nb_cursor}}, c::Cursor)
    p = @atomic c.ptr
    p == C_NULL && throw(ArgumentError((@atomic c.closed) ? "this Cursor is closed" : "this Cursor's loop has ended"))
    return p
end

# Releases the library cursor (and its block); a new loop starts a new one.
function release!(c::Cursor)
    p = @atomicswap c.ptr = C_NULL
    p == C_NULL || L.nb_cursor_free(p)
    return nothing
end

function Base.close(c::Cursor)
    @atomic c.closed = true
    release!(c)
    return nothing
end
Base.isopen(c::Cursor) = !(@atomic c.closed)

# Whether the cursor holds library memory now (a loop is under way).
holds_memory(c::Cursor) = (@atomic c.ptr) != C_NULL

"""
    multi_channel(bp; from_time=nothing, to_time=nothing, channels=:all) -> Cursor
    multi_channel(f, bp; kw...)

Batches of every selected channel (`channels`: `:all`, a channel number or a
vector of them, counting from 1, repeats allowed), sized by `max_memory`,
over observations `from_time + 1` to `to_time`. With `f`, calls `f(cursor)`
and closes the cursor afterwards (do-block form).
"""
multi_channel(bp::BatchProcessor; from_time=nothing, to_time=nothing, channels=:all) =
    make_cursor(bp, L.NB_TRAVERSAL_MULTI_CHANNEL, true; from_time, to_time, channels)
multi_channel(f::Function, bp::BatchProcessor; kw...) = with_cursor(f, multi_channel(bp; kw...))

"""
    single_channel(bp; force_complete_channel_batch=true, from_time=nothing, to_time=nothing, channels=:all) -> Cursor
    single_channel(f, bp; kw...)

Batches of one channel each: the whole range of a channel (an error if it
exceeds `max_memory`), or with `force_complete_channel_batch=false`, windows
of `max_memory ÷ itemsize` observations, channel after channel. `data` is an
`n × 1` matrix and `channel` the batch's channel. With `f`, calls `f(cursor)`
and closes the cursor afterwards.
"""
single_channel(bp::BatchProcessor; force_complete_channel_batch::Bool=true, from_time=nothing, to_time=nothing,
               channels=:all) =
    make_cursor(bp, L.NB_TRAVERSAL_SINGLE_CHANNEL, force_complete_channel_batch; from_time, to_time, channels)
single_channel(f::Function, bp::BatchProcessor; kw...) = with_cursor(f, single_channel(bp; kw...))

function with_cursor(f, c::Cursor)
    try
        return f(c)
    finally
        close(c)
    end
end

Base.IteratorSize(::Type{<:Cursor}) = Base.HasLength()
Base.length(c::Cursor) = c.n_batches
Base.eltype(::Type{Cursor{T}}) where {T} = BatchTuple{T}
Base.show(io::IO, c::Cursor{T}) where {T} =
    print(io, "Cursor{", T, "}(", c.n_batches, " batch", c.n_batches == 1 ? "" : "es", isopen(c) ? ")" : ", closed)")

# Starts a loop: the open library cursor goes back to the first batch, or a
# new one is made (after the previous loop ended and released it).
function restart!(c::Cursor)
    isopen(c) || throw(ArgumentError("this Cursor is closed"))
    if holds_memory(c)
        check(L.nb_cursor_seek(c, 0))
    else
        p = start_cursor(c.reader, c.options, c.channels)
        old = @atomicswap c.ptr = p
        old == C_NULL || L.nb_cursor_free(old)
    end
    c.walk += 1
    return c.walk
end

# The next batch of loop `walk`, made by `make` from the library's batch
# while the cursor is kept alive (its memory is read); the end of the loop
# releases the library cursor.
function next_batch(c::Cursor{T}, walk::Int, make) where {T}
    isopen(c) || throw(ArgumentError("this Cursor is closed"))
    walk == c.walk || throw(ArgumentError("this Cursor was restarted by another loop over it; " *
                                          "nested or interleaved loops need a cursor each"))
    holds_memory(c) || return nothing
    out = Ref{Ptr{L.nb_batch}}(C_NULL)
    batch = GC.@preserve c begin
        status = check(L.nb_cursor_next(c, out))
        # Only following cursors return NOT_YET; this package never follows.
        status == L.NB_STATUS_NOT_YET && error("NeuroBatch: unexpected NB_STATUS_NOT_YET from a cursor that does not follow")
        status == L.NB_STATUS_OK ? make(T, unsafe_load(out[])) : nothing
    end
    if batch === nothing
        release!(c)
        return nothing
    end
    return batch, walk
end

Base.iterate(c::Cursor) = next_batch(c, restart!(c), copy_batch)
Base.iterate(c::Cursor, walk::Int) = next_batch(c, walk, copy_batch)

"""
    unsafe_batches(c::Cursor)

The batches of `c` without copying them: each `data` is a `Matrix` wrapping
the library's block, valid only until the next iteration, the end of the
loop, or `close(c)`. Keeping it longer (storing it, `collect`, returning it
from the loop) reads freed memory: copy what you keep (`copy(data)`,
`data[idx_local, :]`). Same named tuples, order and restart rules as `c`.

```julia
total = 0.0
for (data, idx_local) in unsafe_batches(multi_channel(bp))
    total += sum(Float64, view(data, idx_local, :))
end
```
"""
unsafe_batches(c::Cursor) = UnsafeBatches(c)

struct UnsafeBatches{T}
    cursor::Cursor{T}
end
Base.IteratorSize(::Type{<:UnsafeBatches}) = Base.HasLength()
Base.length(u::UnsafeBatches) = length(u.cursor)
Base.eltype(::Type{UnsafeBatches{T}}) where {T} = BatchTuple{T}
Base.iterate(u::UnsafeBatches) = next_batch(u.cursor, restart!(u.cursor), view_batch)
Base.iterate(u::UnsafeBatches, walk::Int) = next_batch(u.cursor, walk, view_batch)

# The batch's index information, 1-based.
function batch_index(b::L.nb_batch)
    chans = [Int(unsafe_load(b.channels, j)) + 1 for j in 1:Int(b.n_channels)]
    idx_local = (Int(b.idx_local_start) + 1):Int(b.idx_local_stop)
    idx = ((Int(b.idx_start) + 1):Int(b.idx_stop), chans)
    channel = b.channel >= 0 ? Int(b.channel) + 1 : nothing
    return idx_local, idx, channel
end

# The library's block as a Julia matrix (no copy: valid while the batch is).
function batch_block(::Type{T}, b::L.nb_batch) where {T}
    julia_type(b.dtype) === T || error("NeuroBatch: a batch of $(julia_type(b.dtype)) where $T was expected")
    return unsafe_wrap(Array, Ptr{T}(b.data), (Int(b.n_rows), Int(b.n_channels)); own=false)
end

function batch_tuple(::Type{T}, b::L.nb_batch, data::Matrix{T}) where {T}
    idx_local, idx, channel = batch_index(b)
    return BatchTuple{T}((data, idx_local, idx, channel))
end
copy_batch(::Type{T}, b::L.nb_batch) where {T} = batch_tuple(T, b, copy(batch_block(T, b)))
view_batch(::Type{T}, b::L.nb_batch) where {T} = batch_tuple(T, b, batch_block(T, b))

# ---------------------------------------------------------------- results

# A result view (row-major) as a Julia matrix (a copy).
result_matrix(v::L.nb_result_view) = result_matrix(julia_type(v.dtype), v)
result_matrix(::Type{T}, v::L.nb_result_view) where {T} =
    permutedims(unsafe_wrap(Array, Ptr{T}(v.data), (Int(v.n_cols), Int(v.n_rows)); own=false))

# Puts a Julia result in the library's slot: a matrix as it is, a vector as
# one row (YASS's 1-D results), a number as 1 × 1.
set_result(out, r::AbstractMatrix{T}) where {T<:Real} =
    check(L.nb_result_slot_set(out, dtype_code(T), size(r, 1), size(r, 2), L.NB_LAYOUT_CHANNEL_MAJOR,
                               r isa Matrix{T} ? r : Matrix{T}(r)))
set_result(out, r::AbstractVector{T}) where {T<:Real} =
    check(L.nb_result_slot_set(out, dtype_code(T), 1, length(r), L.NB_LAYOUT_SAMPLE_MAJOR,
                               r isa Vector{T} ? r : Vector{T}(r)))
set_result(out, r::Real) = set_result(out, fill(r, 1, 1))
set_result(out, r) =
    throw(ArgumentError("the function returned $(r === nothing ? "nothing" : "a $(typeof(r))"); " *
                        "expected a number, vector or matrix of Int8 … Float64"))

# The blocks of a memory-mode run, in batch order: a Vector{Matrix{T}} when
# all share one dtype (the library makes them agree unless results differ).
function memory_results(results::Ptr{L.nb_result_list}, cast)
    view = Ref{Ptr{L.nb_result_view}}(C_NULL)
    views = L.nb_result_view[]
    for i in 0:Int(L.nb_result_list_count(results)) - 1
        check(L.nb_result_list_get(results, i, view))
        push!(views, unsafe_load(view[]))
    end
    dtypes = unique(v.dtype for v in views)
    if length(dtypes) == 1
        return typed_results(julia_type(dtypes[1]), views)
    elseif isempty(dtypes) && cast !== nothing
        return Matrix{julia_type(dtype_code(cast))}[]
    end
    return Matrix[result_matrix(v) for v in views]
end
typed_results(::Type{T}, views) where {T} = Matrix{T}[result_matrix(T, v) for v in views]

"""
What a run wrote: `path`, `params = (dtype, n_channels, data_order)` as the
sidecar says (YASS's `(path, params)`; `path, params = result` works),
`skipped` (the output existed and `if_file_exists = :skip`: nothing ran),
`n_observations` and `kept` (false for a pipeline step's output removed once
the next step consumed it).
"""
function output_info(results::Ptr{L.nb_result_list}, index)
    out = Ref{Ptr{L.nb_output_info}}(C_NULL)
    check(L.nb_result_list_output(results, index, out))
    o = unsafe_load(out[])
    params = (dtype=dtype_name(o.dtype), n_channels=Int(o.n_channels), data_order=order_name(o.data_order))
    return (path=unsafe_string(o.path), params=params, skipped=o.skipped, n_observations=Int(o.n_observations),
            kept=o.kept)
end

function shard_values(shard)
    shard === nothing && return (UInt64(0), UInt64(0))
    ok = shard isa Union{Tuple,Pair} && length(shard) == 2 && all(x -> x isa Integer, shard) &&
         shard[2] >= 1 && 1 <= shard[1] <= shard[2]
    ok || throw(ArgumentError("shard must be (k, n) with 1 <= k <= n (shard k of n, counting from 1), got $(repr(shard))"))
    return (UInt64(shard[1] - 1), UInt64(shard[2]))
end

shard_output_code(x) = option_code("shard_output", x, :parts => L.NB_SHARD_OUTPUT_PARTS, :same_rows => L.NB_SHARD_OUTPUT_SAME_ROWS)

function cleanup_pointer(cleanup)
    cleanup === nothing && return C_NULL
    cleanup === :trim_buffer && return L.sym(:nb_result_view_trim_buffer)
    cleanup isa Symbol && throw(ArgumentError("cleanup_function must be a function, :trim_buffer or nothing, got $(repr(cleanup))"))
    return cleanup_callback_ptr()
end

# `f === nothing`: a convert (the library's apply without a function, each
# batch its result; no callback but cleanup and progress runs).
function run_apply(f, bp::BatchProcessor, traversal, force_complete::Bool; mode::Symbol=:memory, output_path=nothing,
                   from_time=nothing, to_time=nothing, channels=:all, if_file_exists=:overwrite, cast_dtype=nothing,
                   cleanup_function=nothing, pass_batch_info::Bool=false, pass_batch_results::Bool=false,
                   show_progress_bar::Bool=false, progress=nothing, shard=nothing, shard_output::Symbol=:parts,
                   shard_run=nothing)
    # Every argument is checked before the library runs anything.
    mode in (:memory, :disk) || throw(ArgumentError("mode must be :memory or :disk, got $(repr(mode))"))
    mode === :disk && output_path === nothing && throw(ArgumentError("mode = :disk needs an output_path"))
    mode === :memory && output_path !== nothing &&
        throw(ArgumentError("output_path is only used with mode = :disk (mode is :memory)"))
    path = output_path === nothing ? nothing : c_string(output_path, "output_path")
    run_id = shard_run === nothing ? nothing : c_string(shard_run, "shard_run")
    shard_index, shard_count = shard_values(shard)
    shard_kind = shard_output_code(shard_output)
    exists = if_file_exists_code(if_file_exists)
    cast = dtype_code(cast_dtype)
    cleanup = cleanup_pointer(cleanup_function)
    progress_fn = progress !== nothing ? progress : show_progress_bar ? progress_bar : nothing
    bopts, ch = batch_options(bp, traversal, force_complete; from_time, to_time, channels)
    ctx = CallbackContext(f; cleanup=cleanup_function, progress=progress_fn, pass_batch_info, pass_batch_results)
    res = Ref{Ptr{L.nb_result_list}}(C_NULL)
    try
        status = GC.@preserve ctx ch path run_id begin
            aopts = c_options(L.nb_apply_options; mode=mode === :disk ? L.NB_APPLY_MODE_DISK : L.NB_APPLY_MODE_MEMORY,
                              output_path=cstring_field(path), if_file_exists=exists, cast_dtype=cast,
                              cleanup=cleanup, pass_batch_results=pass_batch_results, n_threads=UInt32(0),
                              progress=progress_fn === nothing ? C_NULL : progress_callback_ptr(),
                              shard_index=shard_index, shard_count=shard_count,
                              shard_output=shard_kind, shard_run_id=cstring_field(run_id))
            with_callbacks() do
                L.nb_reader_apply(bp.reader, Ref(with_channels(bopts, ch)), Ref(aopts),
                                  f === nothing ? C_NULL : apply_callback_ptr(), pointer_from_objref(ctx), res, C_NULL)
            end
        end
        rethrow_callback_error(ctx)
        check(status)
        # A shard's piece of a disk output is published by shard_finish.
        mode === :disk && return shard === nothing ? output_info(res[], 0) : nothing
        out = memory_results(res[], cast_dtype)
        pass_batch_results && return isempty(out) ? nothing : out[end]
        return out
    finally
        L.nb_result_list_free(res[])
    end
end

const APPLY_KEYWORDS_DOC = """
Keywords:
- `mode`: `:memory` (default) returns every result, in batch order, as a
  `Vector{Matrix{T}}` (`T` the results' element type; a number is a `1 × 1`
  matrix, a vector one row); `:disk` writes them to `output_path` with its
  sidecar and returns `(path, params, skipped, n_observations, kept)`
  (`path, params = ...` works as in YASS).
- `output_path`: the output data file (`mode = :disk` only); its directory
  must exist; it is written under a temporary name and renamed when
  complete, so it is never left half-written.
- `from_time`, `to_time`: observations `from_time + 1` to `to_time` (default
  all); `channels`: `:all`, a channel number or a vector of them (from 1).
- `if_file_exists`: `:overwrite` (default), `:abort` (an `NBError`) or
  `:skip` (nothing runs; the existing output is described, `skipped = true`).
- `cast_dtype`: results converted to this type (`:float32`, `Int16`, ...)
  before the cleanup, as [`cast_values`](@ref) does.
- `cleanup_function`: `cleanup(result, idx_local, idx, buffer_size)` run on
  each result; its return value replaces the result, `nothing` keeps it.
  `:trim_buffer` keeps `result[idx_local, :]` without calling back.
- `show_progress_bar`: a text bar on `stderr`; `progress`: your
  `progress(done, total)` after each batch, which may return `true` to cancel
  (an `NBError` with status `NB_STATUS_CANCELLED`; nothing is written).
- `shard = (k, n)`: run only shard `k` of `n` (from 1; separate processes
  split one job without talking), `shard_output = :parts` (default) or
  `:same_rows` (results with exactly their batch's rows, written in place).
  Memory mode returns the shard's results; disk mode returns `nothing` and
  the output appears when one process calls [`shard_finish`](@ref).
  `shard_run`: the run the shard belongs to (1 to 64 letters, digits or
  `_`, the same in every shard, e.g. the Slurm job id); `nothing` (default):
  every shard derives the same id from the input, output, count and
  options, so pieces of another job never mix in.

Callbacks run on the calling thread, one batch after another (never on
worker threads), and the calling task stays on its thread. An exception in
any of them stops the run at that batch, leaves no output (the temporary
file is removed), and is rethrown as a `CapturedException` holding your
exception (`e.ex`) and the backtrace of where it was thrown. Ctrl-C during
the run: see the user guide (one stops the run at the next batch and throws
`InterruptException`).
"""

"""
    multi_channel_apply(f, bp; mode=:memory, output_path=nothing, from_time=nothing, to_time=nothing,
                        channels=:all, if_file_exists=:overwrite, cast_dtype=nothing, cleanup_function=nothing,
                        pass_batch_info=false, pass_batch_results=false, show_progress_bar=false,
                        progress=nothing, shard=nothing, shard_output=:parts, shard_run=nothing)

`f(data)` over every multi-channel batch (YASS's `multi_channel_apply`);
`data` is the batch's `observations × channels` matrix, buffer rows
included (a copy). `f` returns a number, a vector (one row) or a matrix of
any element type Int8 … Float64. With `pass_batch_info = true`,
`f(data, idx_local, idx)`; with `pass_batch_results = true`, also the
previous batch's final result (`nothing` for the first) as the last
argument, and only the last result is returned (`nothing` without batches).

$APPLY_KEYWORDS_DOC
"""
multi_channel_apply(f, bp::BatchProcessor; kw...) = run_apply(f, bp, L.NB_TRAVERSAL_MULTI_CHANNEL, true; kw...)

"""
    single_channel_apply(f, bp; force_complete_channel_batch=true, mode=:memory, output_path=nothing,
                         from_time=nothing, to_time=nothing, channels=:all, if_file_exists=:overwrite,
                         cast_dtype=nothing, cleanup_function=nothing, pass_batch_info=false,
                         pass_batch_results=false, show_progress_bar=false, progress=nothing,
                         shard=nothing, shard_output=:parts, shard_run=nothing)

`f(series)` over every single-channel batch (YASS's `single_channel_apply`);
`series` is an `n × 1` matrix: a whole channel, or with
`force_complete_channel_batch = false` windows of `max_memory ÷ itemsize`
observations. Disk outputs hold one channel's results after another
("channels" order); every channel must yield the same total length.

$APPLY_KEYWORDS_DOC
"""
single_channel_apply(f, bp::BatchProcessor; force_complete_channel_batch::Bool=true, kw...) =
    run_apply(f, bp, L.NB_TRAVERSAL_SINGLE_CHANNEL, force_complete_channel_batch; kw...)

"""
    convert_recording(bp; mode=:memory, output_path=nothing, from_time=nothing, to_time=nothing, channels=:all,
                      if_file_exists=:overwrite, cast_dtype=nothing, data_order=:samples,
                      show_progress_bar=false, progress=nothing)

Every batch as it is, with `cast_dtype` and the channels and time range
applied, to a file or to memory: an apply without a function, run entirely
by the library (no Julia code runs per batch, except `progress`). To disk it
writes the same bytes and sidecar as
`multi_channel_apply(identity, bp; mode=:disk, ...)`, reading, casting and
writing pieces of a few MiB at once (reading and writing on library threads
of their own): the fast way to cast a recording, keep some channels of a
time range in the order given, or turn a `:channels` file into a `:samples`
one. `data_order = :channels` (`mode = :disk` only) writes channel after
channel instead. Returns what the apply functions return: `(path, params,
skipped, n_observations, kept)` on disk, a `Vector{Matrix{T}}` of
`observations × channels` blocks, one per batch, in memory. A convert copies
each observation once: the processor's `buffer_size` is not used.

Named so as not to be a method of `Base.convert`, Julia's conversion of a
value to a type (`convert(T, x)`), which the compiler calls implicitly.
"""
function convert_recording(bp::BatchProcessor{T}; mode::Symbol=:memory, output_path=nothing, from_time=nothing,
                           to_time=nothing, channels=:all, if_file_exists=:overwrite, cast_dtype=nothing,
                           data_order::Symbol=:samples, show_progress_bar::Bool=false, progress=nothing) where {T}
    data_order in (:samples, :long, :channels, :wide) ||
        throw(ArgumentError("data_order must be :samples or :channels (aliases :long, :wide), got $(repr(data_order))"))
    # A "channels" file is written channel after channel: a single-channel
    # traversal in windows of max_memory.
    single = data_order in (:channels, :wide)
    single && mode !== :disk &&
        throw(ArgumentError("data_order is the order of the file written: $(repr(data_order)) needs mode = :disk " *
                            "(in memory every block is observations × channels)"))
    traversal = single ? L.NB_TRAVERSAL_SINGLE_CHANNEL : L.NB_TRAVERSAL_MULTI_CHANNEL
    # The same recording and options without buffer rows: each observation once.
    unbuffered = BatchProcessor{T}(bp.reader, bp.max_memory, 0, bp.edge, bp.microvolts, bp.read_ahead)
    return run_apply(nothing, unbuffered, traversal, !single; mode, output_path, from_time, to_time, channels,
                     if_file_exists, cast_dtype, show_progress_bar, progress)
end

# ---------------------------------------------------------------- writer

"""
    Writer(path, order, n_channels, T)

The result sink on its own, for loops of your own: `append!(w, matrix)`
(order `:samples`: rows after rows) or `append_channel!(w, position, vector)`
(order `:channels`: one series per channel, positions from 1, never going
back), then `finish!(w)` publishes data and sidecar atomically and returns
`(path, params, skipped, n_observations, kept)`. `n_channels` and `T` describe
an output that receives no block. Closed (or finalized) without `finish!`, it
leaves no output.
"""
mutable struct Writer <: Handle
    @atomic ptr::Ptr{L.nb_writer}
    path::String
end

function Writer(path::AbstractString, order::Symbol, n_channels::Integer, ::Type{T}) where {T}
    p = c_string(path, "path")
    n_channels >= 1 || throw(ArgumentError("n_channels must be at least 1, got $n_channels"))
    out = Ref{Ptr{L.nb_writer}}(C_NULL)
    check(L.nb_writer_open(p, order_code(order), n_channels, dtype_code(T), out))
    w = Writer(out[], p)
    finalizer(close, w)
    return w
end

free_handle(::Writer, p) = L.nb_writer_free(p)
Base.unsafe_convert(::Type{Ptr{L.nb_writer}}, w::Writer) = live_ptr(w)
Base.show(io::IO, w::Writer) = print(io, "Writer(", repr(w.path), isopen(w) ? ")" : ", closed)")

function Base.append!(w::Writer, a::AbstractMatrix{T}) where {T<:Real}
    m = a isa Matrix{T} ? a : Matrix{T}(a)
    check(L.nb_writer_append(w, dtype_code(T), size(m, 1), size(m, 2), L.NB_LAYOUT_CHANNEL_MAJOR, m))
    return w
end

"""
    append_channel!(w::Writer, position, values)

Appends `values` to the series of channel `position` (from 1) of a
`:channels` writer.
"""
function append_channel!(w::Writer, position::Integer, v::AbstractArray{T}) where {T<:Real}
    position >= 1 || throw(ArgumentError("channel positions count from 1, got $position"))
    a = Vector{T}(vec(v))
    check(L.nb_writer_append_channel(w, position - 1, dtype_code(T), length(a), 1, L.NB_LAYOUT_SAMPLE_MAJOR, a))
    return w
end

"""
    finish!(w::Writer) -> (path, params, skipped, n_observations, kept)

Publishes the output (data and sidecar renamed into place) and closes `w`.
"""
function finish!(w::Writer)
    res = Ref{Ptr{L.nb_result_list}}(C_NULL)
    try
        check(L.nb_writer_finish(w, res))
        return output_info(res[], 0)
    finally
        L.nb_result_list_free(res[])
        close(w)
    end
end

# ---------------------------------------------------------------- pipeline

"""
    PipedTransformation(f, output_name; mode=:single_channel_one_batch, keep=false,
                        if_file_exists=:overwrite, cast_dtype=nothing)

One step of a [`BatchPipeline`](@ref): `f` as in the apply functions, its
output written to `output_name` inside the pipeline's `output_path`.
`mode` is `:single_channel_one_batch` (each batch a whole channel),
`:single_channel` or `:multi_channel`; `keep = false` deletes the step's
output once the next step has consumed it (the last step's is always kept);
`if_file_exists` and `cast_dtype` as in [`multi_channel_apply`](@ref).
"""
struct PipedTransformation
    f::Any
    output_name::String
    mode::Symbol
    keep::Bool
    if_file_exists::Symbol
    cast_dtype::Any
end
function PipedTransformation(f, output_name::AbstractString; mode::Symbol=:single_channel_one_batch, keep::Bool=false,
                             if_file_exists::Symbol=:overwrite, cast_dtype=nothing)
    name = c_string(output_name, "output_name")
    isempty(name) && throw(ArgumentError("output_name is empty"))
    mode in (:single_channel_one_batch, :single_channel, :multi_channel) ||
        throw(ArgumentError("mode must be :single_channel_one_batch, :single_channel or :multi_channel, got $(repr(mode))"))
    if_file_exists in (:overwrite, :abort, :skip) ||
        throw(ArgumentError("if_file_exists must be :overwrite, :abort or :skip, got $(repr(if_file_exists))"))
    dtype_code(cast_dtype)
    return PipedTransformation(f, name, mode, keep, if_file_exists, cast_dtype)
end

"""
    BatchPipeline(path_to_input; output_path, dtype=nothing, n_channels=nothing, data_order=nothing,
                  loader=:pread, sampling_rate=nothing, stream=nothing, max_memory="1GB",
                  from_time=nothing, to_time=nothing, channels=:all, read_ahead=:auto)

Steps chained on one input, each reading the previous step's output through
its sidecar (YASS's BatchPipeline). `output_path` is the directory of every
step's output; the file keywords are [`RecordingsReader`](@ref)'s. The time
range and channels apply to the first step only, `max_memory` and
`read_ahead` (as [`BatchProcessor`](@ref)'s) to every step; every step is validated
before the first runs.

`add!(p, steps...)`, then `run(p; show_progress_bar=false, progress=nothing)`
returns `(paths, params, skipped, kept)`, one entry per step (`paths, params
= run(p)` works as in YASS). `progress(done, total)` is called after each
batch of each step. An exception in a step is rethrown as for the apply
functions; that step leaves no output (earlier steps' outputs remain).
"""
mutable struct BatchPipeline
    input::String
    open_kw::NamedTuple
    max_memory::UInt64
    output_path::String
    range_kw::NamedTuple
    read_ahead::Symbol
    steps::Vector{PipedTransformation}
end
function BatchPipeline(path_to_input::AbstractString; output_path::AbstractString, dtype=nothing, n_channels=nothing,
                       data_order=nothing, loader::Symbol=:pread, sampling_rate=nothing, stream=nothing,
                       max_memory="1GB", from_time=nothing, to_time=nothing, channels=:all, read_ahead=:auto)
    input = c_string(path_to_input, "path_to_input")
    dir = c_string(output_path, "output_path")
    read_ahead_code(read_ahead)
    return BatchPipeline(input, (; dtype, n_channels, data_order, loader, sampling_rate, stream), memory_bytes(max_memory),
                         dir, (; from_time, to_time, channels), read_ahead, PipedTransformation[])
end

"""
    add!(p::BatchPipeline, steps::PipedTransformation...) -> p

Appends steps to the pipeline.
"""
add!(p::BatchPipeline, steps::PipedTransformation...) = (append!(p.steps, steps); p)

function Base.run(p::BatchPipeline; show_progress_bar::Bool=false, progress=nothing)
    isempty(p.steps) && throw(ArgumentError("the pipeline has no step: add! some first"))
    # The first step's range and channels are checked against the input, with
    # messages counting channels from 1.
    bp = BatchProcessor(p.input; p.open_kw..., max_memory=p.max_memory, read_ahead=p.read_ahead)
    bopts, ch = try
        batch_options(bp, L.NB_TRAVERSAL_MULTI_CHANNEL, true; p.range_kw...)
    finally
        close(bp)
    end
    open_opts, stream = open_options(; p.open_kw...)
    ctxs = [CallbackContext(s.f) for s in p.steps]
    progress_fn = progress !== nothing ? progress : show_progress_bar ? progress_bar : nothing
    pctx = CallbackContext(nothing; progress=progress_fn)
    names = [s.output_name for s in p.steps]
    codes = [(pipeline_mode_code(s.mode), if_file_exists_code(s.if_file_exists), dtype_code(s.cast_dtype)) for s in p.steps]
    dir = p.output_path
    res = Ref{Ptr{L.nb_result_list}}(C_NULL)
    try
        status = GC.@preserve ctxs pctx names dir ch stream begin
            steps = [c_options(L.nb_pipeline_step; fn=apply_callback_ptr(), user_data=pointer_from_objref(ctxs[k]),
                               output_name=cstring_field(names[k]), mode=codes[k][1], keep=p.steps[k].keep,
                               if_file_exists=codes[k][2], cast_dtype=codes[k][3]) for k in eachindex(p.steps)]
            popts = c_options(L.nb_pipeline_options; output_dir=cstring_field(dir), n_threads=UInt32(0),
                              progress=progress_fn === nothing ? C_NULL : progress_callback_ptr(),
                              progress_user_data=pointer_from_objref(pctx))
            iopts = with_fields(L.nb_open_options, open_opts; stream_name=cstring_field(stream))
            GC.@preserve steps begin
                step_ptrs = [pointer(steps, k) for k in eachindex(steps)]
                with_callbacks() do
                    L.nb_pipeline_run(p.input, Ref(iopts), Ref(with_channels(bopts, ch)), Ref(popts), step_ptrs,
                                      length(step_ptrs), res, C_NULL)
                end
            end
        end
        rethrow_callback_error(ctxs..., pctx)
        check(status)
        outs = [output_info(res[], i) for i in 0:Int(L.nb_result_list_n_outputs(res[])) - 1]
        return (paths=[o.path for o in outs], params=[o.params for o in outs], skipped=[o.skipped for o in outs],
                kept=[o.kept for o in outs])
    finally
        L.nb_result_list_free(res[])
    end
end

# ---------------------------------------------------------------- shards

"""
    shard_finish(output_path, n; run=nothing) -> (path, params, skipped, n_observations, kept)

Publishes the output of a disk apply run as `n` shards (`shard=(k, n)` in
`multi_channel_apply` and friends, one call per shard, in any processes)
once every shard returned: checks that all completed and agree (same input
files, same options), assembles the output (byte-identical to an unsharded
run), writes the sidecar and removes every hidden piece of the run. `run`:
the `shard_run` the shards were given; `nothing`: the only run whose pieces
are present. Throws an `NBError` (status `NB_STATUS_SHARD_INCOMPLETE`)
naming the missing or inconsistent shard; nothing is published then. Pieces
of other runs are never used nor removed.
"""
function shard_finish(output_path, n::Integer; run=nothing)
    path = c_string(output_path, "output_path")
    run_id = run === nothing ? nothing : c_string(run, "run")
    n >= 1 || throw(ArgumentError("the shard count must be at least 1, got $n"))
    res = Ref{Ptr{L.nb_result_list}}(C_NULL)
    try
        check(GC.@preserve run_id L.nb_shard_finish(path, UInt64(n), cstring_field(run_id), res))
        return output_info(res[], 0)
    finally
        L.nb_result_list_free(res[])
    end
end

"""
    shard_abort(output_path, n; run=nothing)

Removes the hidden pieces of a sharded disk apply after a shard failed
(call it once, after all shards ended): those of `run`, or of every run of
`n` shards with `run = nothing`. The output itself is not touched.
"""
function shard_abort(output_path, n::Integer; run=nothing)
    path = c_string(output_path, "output_path")
    run_id = run === nothing ? nothing : c_string(run, "run")
    n >= 1 || throw(ArgumentError("the shard count must be at least 1, got $n"))
    check(GC.@preserve run_id L.nb_shard_abort(path, UInt64(n), cstring_field(run_id)))
    return nothing
end

end # module
