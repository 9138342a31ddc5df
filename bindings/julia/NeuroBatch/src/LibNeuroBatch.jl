# LibNeuroBatch: the flat layer, one `ccall` per function of include/neurobatch.h,
# its constants and its structs, 0-based as in C. Mechanical: keep it a 1:1
# mirror of the header (tests/julia/check_julia_ccalls.py compares every
# ccall, struct and constant with it); put anything idiomatic in NeuroBatch.jl.
module LibNeuroBatch

using Libdl

# The library, opened in NeuroBatch.__init__ (never at precompile time).
const LIBRARY = Ref{String}("")
const HANDLE = Ref{Ptr{Cvoid}}(C_NULL)

# The address of a C function of the opened library.
sym(name::Symbol) = Libdl.dlsym(HANDLE[], name)

const nb_status = Int32
const nb_dtype = Int32
const nb_data_order = Int32
const nb_layout = Int32
const nb_loader = Int32
const nb_traversal = Int32
const nb_apply_mode = Int32
const nb_shard_output = Int32
const nb_edge = Int32
const nb_if_file_exists = Int32
const nb_pipeline_mode = Int32

const NB_ABI_VERSION = 0
const NB_OPEN_OPTIONS_VERSION = UInt32(2)
const NB_BATCH_OPTIONS_VERSION = UInt32(3)
const NB_APPLY_OPTIONS_VERSION = UInt32(3)
const NB_PIPELINE_STEP_VERSION = UInt32(1)
const NB_PIPELINE_OPTIONS_VERSION = UInt32(1)
const NB_TO_END = typemax(UInt64)

const NB_STATUS_OK = Int32(0)
const NB_STATUS_DONE = Int32(1)
const NB_STATUS_STOPPED = Int32(2)
const NB_STATUS_NOT_YET = Int32(3)
const NB_STATUS_NULL_ARGUMENT = Int32(-1)
const NB_STATUS_INVALID_ARGUMENT = Int32(-2)
const NB_STATUS_IO = Int32(-3)
const NB_STATUS_BAD_FILE_SIZE = Int32(-4)
const NB_STATUS_BAD_DTYPE = Int32(-5)
const NB_STATUS_BAD_DATA_ORDER = Int32(-6)
const NB_STATUS_BAD_MEMORY = Int32(-7)
const NB_STATUS_MEMORY_TOO_SMALL = Int32(-8)
const NB_STATUS_BAD_RANGE = Int32(-9)
const NB_STATUS_BAD_CHANNEL = Int32(-10)
const NB_STATUS_SIDECAR_MISSING = Int32(-11)
const NB_STATUS_SIDECAR_INVALID = Int32(-12)
const NB_STATUS_BUFFER_TOO_SMALL = Int32(-13)
const NB_STATUS_BAD_VERSION = Int32(-14)
const NB_STATUS_CALLBACK_FAILED = Int32(-15)
const NB_STATUS_CANCELLED = Int32(-16)
const NB_STATUS_FILE_EXISTS = Int32(-17)
const NB_STATUS_RESULT_MISMATCH = Int32(-18)
const NB_STATUS_BAD_OUTPUT_PATH = Int32(-19)
const NB_STATUS_NO_RESULT = Int32(-20)
const NB_STATUS_BAD_HANDLE = Int32(-21)
const NB_STATUS_INPUT_CHANGED = Int32(-22)
const NB_STATUS_SHARD_INCOMPLETE = Int32(-23)
const NB_STATUS_METADATA_INVALID = Int32(-24)
const NB_STATUS_NO_METADATA = Int32(-25)
const NB_STATUS_BUSY = Int32(-26)
const NB_STATUS_PANIC = Int32(-100)
const NB_STATUS_POISONED = Int32(-101)

const NB_DTYPE_UNSET = Int32(0)
const NB_DTYPE_INT8 = Int32(1)
const NB_DTYPE_UINT8 = Int32(2)
const NB_DTYPE_INT16 = Int32(3)
const NB_DTYPE_UINT16 = Int32(4)
const NB_DTYPE_INT32 = Int32(5)
const NB_DTYPE_UINT32 = Int32(6)
const NB_DTYPE_INT64 = Int32(7)
const NB_DTYPE_UINT64 = Int32(8)
const NB_DTYPE_FLOAT32 = Int32(9)
const NB_DTYPE_FLOAT64 = Int32(10)

const NB_DATA_ORDER_UNSET = Int32(0)
const NB_DATA_ORDER_SAMPLES = Int32(1)
const NB_DATA_ORDER_CHANNELS = Int32(2)

const NB_LAYOUT_SAMPLE_MAJOR = Int32(0)
const NB_LAYOUT_CHANNEL_MAJOR = Int32(1)

const NB_LOADER_PREAD = Int32(0)
const NB_LOADER_MMAP = Int32(1)

const NB_TRAVERSAL_MULTI_CHANNEL = Int32(0)
const NB_TRAVERSAL_SINGLE_CHANNEL = Int32(1)

const NB_APPLY_MODE_MEMORY = Int32(0)
const NB_APPLY_MODE_DISK = Int32(1)
const NB_EDGE_ZEROS = Int32(0)
const NB_EDGE_REFLECT = Int32(1)
const NB_EDGE_REPLICATE = Int32(2)
const NB_SHARD_OUTPUT_PARTS = Int32(0)
const NB_SHARD_OUTPUT_SAME_ROWS = Int32(1)

const NB_IF_FILE_EXISTS_OVERWRITE = Int32(0)
const NB_IF_FILE_EXISTS_ABORT = Int32(1)
const NB_IF_FILE_EXISTS_SKIP = Int32(2)

const NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH = Int32(0)
const NB_PIPELINE_MODE_SINGLE_CHANNEL = Int32(1)
const NB_PIPELINE_MODE_MULTI_CHANNEL = Int32(2)

struct nb_open_options
    version::UInt32
    dtype::nb_dtype
    n_channels::Csize_t
    data_order::nb_data_order
    loader::nb_loader
    sampling_rate::Cdouble
    stream_index::Int64
    stream_name::Ptr{UInt8}
    follow::Bool
end

struct nb_batch_options
    version::UInt32
    max_memory::UInt64
    from_time::UInt64
    to_time::UInt64
    channels::Ptr{Csize_t}
    n_channels::Csize_t
    buffer_size::UInt64
    traversal::nb_traversal
    force_complete_channel_batch::Bool
    layout::nb_layout
    edge::nb_edge
    microvolts::Bool
    follow::Bool
    follow_idle_timeout_ms::UInt32
end

struct nb_batch
    data::Ptr{Cvoid}
    dtype::nb_dtype
    layout::nb_layout
    n_rows::Csize_t
    n_channels::Csize_t
    channels::Ptr{Csize_t}
    idx_start::UInt64
    idx_stop::UInt64
    idx_local_start::UInt64
    idx_local_stop::UInt64
    buffer_size::UInt64
    batch_index::UInt64
    n_batches::UInt64
    channel::Int64
    n_bytes::Csize_t
end

struct nb_result_view
    data::Ptr{Cvoid}
    dtype::nb_dtype
    n_rows::Csize_t
    n_cols::Csize_t
    n_bytes::Csize_t
end

struct nb_output_info
    path::Ptr{UInt8}
    dtype::nb_dtype
    n_channels::Csize_t
    data_order::nb_data_order
    n_observations::UInt64
    skipped::Bool
    kept::Bool
end

struct nb_apply_options
    version::UInt32
    mode::nb_apply_mode
    output_path::Ptr{UInt8}
    if_file_exists::nb_if_file_exists
    cast_dtype::nb_dtype
    cleanup::Ptr{Cvoid}
    pass_batch_results::Bool
    n_threads::UInt32
    progress::Ptr{Cvoid}
    shard_index::UInt64
    shard_count::UInt64
    shard_output::nb_shard_output
    shard_run_id::Ptr{UInt8}
end

struct nb_pipeline_step
    version::UInt32
    fn::Ptr{Cvoid}
    user_data::Ptr{Cvoid}
    output_name::Ptr{UInt8}
    mode::nb_pipeline_mode
    keep::Bool
    if_file_exists::nb_if_file_exists
    cast_dtype::nb_dtype
end

struct nb_pipeline_options
    version::UInt32
    output_dir::Ptr{UInt8}
    n_threads::UInt32
    progress::Ptr{Cvoid}
    progress_user_data::Ptr{Cvoid}
end

# Opaque handles (nb_reader, nb_cursor, nb_result_slot, nb_result_list, nb_writer) are Ptr{Cvoid} here;
# C strings are Ptr{UInt8} (or Cstring for inputs).

# version.rs
nb_version_string() = ccall(sym(:nb_version_string), Ptr{UInt8}, ())
nb_version_number() = ccall(sym(:nb_version_number), UInt32, ())
nb_abi_version() = ccall(sym(:nb_abi_version), UInt32, ())

# status.rs, error.rs
nb_status_str(status) = ccall(sym(:nb_status_str), Ptr{UInt8}, (nb_status,), status)
nb_last_error_message() = ccall(sym(:nb_last_error_message), Ptr{UInt8}, ())
nb_last_error_copy(buf, len) = ccall(sym(:nb_last_error_copy), Csize_t, (Ptr{UInt8}, Csize_t), buf, len)

# dtype.rs, memory.rs, sidecar.rs
nb_dtype_from_name(name, out_dtype) = ccall(sym(:nb_dtype_from_name), nb_status, (Cstring, Ptr{nb_dtype}), name, out_dtype)
nb_dtype_name(dtype) = ccall(sym(:nb_dtype_name), Ptr{UInt8}, (nb_dtype,), dtype)
nb_dtype_size(dtype) = ccall(sym(:nb_dtype_size), Csize_t, (nb_dtype,), dtype)
nb_data_order_from_name(name, out_order) = ccall(sym(:nb_data_order_from_name), nb_status, (Cstring, Ptr{nb_data_order}), name, out_order)
nb_max_memory_parse(text, out_bytes) = ccall(sym(:nb_max_memory_parse), nb_status, (Cstring, Ptr{UInt64}), text, out_bytes)
nb_sidecar_path(data_path, buf, len, out_len) = ccall(sym(:nb_sidecar_path), nb_status, (Cstring, Ptr{UInt8}, Csize_t, Ptr{Csize_t}), data_path, buf, len, out_len)

# options.rs
nb_open_options_init(opts, version) = ccall(sym(:nb_open_options_init), nb_status, (Ptr{nb_open_options}, UInt32), opts, version)
nb_batch_options_init(opts, version) = ccall(sym(:nb_batch_options_init), nb_status, (Ptr{nb_batch_options}, UInt32), opts, version)

# reader.rs
nb_reader_open(path, opts, out_reader) = ccall(sym(:nb_reader_open), nb_status, (Cstring, Ptr{nb_open_options}, Ptr{Ptr{Cvoid}}), path, opts, out_reader)
nb_reader_free(reader) = ccall(sym(:nb_reader_free), Cvoid, (Ptr{Cvoid},), reader)
nb_reader_n_observations(reader) = ccall(sym(:nb_reader_n_observations), UInt64, (Ptr{Cvoid},), reader)
nb_reader_n_channels(reader) = ccall(sym(:nb_reader_n_channels), Csize_t, (Ptr{Cvoid},), reader)
nb_reader_dtype(reader) = ccall(sym(:nb_reader_dtype), nb_dtype, (Ptr{Cvoid},), reader)
nb_reader_data_order(reader) = ccall(sym(:nb_reader_data_order), nb_data_order, (Ptr{Cvoid},), reader)
nb_reader_sampling_rate(reader, out_hz) = ccall(sym(:nb_reader_sampling_rate), nb_status, (Ptr{Cvoid}, Ptr{Cdouble}), reader, out_hz)
nb_reader_scales_uv(reader, out, n) = ccall(sym(:nb_reader_scales_uv), nb_status, (Ptr{Cvoid}, Ptr{Cdouble}, Csize_t), reader, out, n)
nb_reader_format(reader) = ccall(sym(:nb_reader_format), Ptr{UInt8}, (Ptr{Cvoid},), reader)
nb_reader_open_files(paths, n_paths, opts, out_reader) = ccall(sym(:nb_reader_open_files), nb_status, (Ptr{Ptr{UInt8}}, Csize_t, Ptr{nb_open_options}, Ptr{Ptr{Cvoid}}), paths, n_paths, opts, out_reader)
nb_reader_refresh(reader, out_n_observations) = ccall(sym(:nb_reader_refresh), nb_status, (Ptr{Cvoid}, Ptr{UInt64}), reader, out_n_observations)
nb_reader_end_follow(reader) = ccall(sym(:nb_reader_end_follow), nb_status, (Ptr{Cvoid},), reader)
nb_reader_data_path(reader, buf, len) = ccall(sym(:nb_reader_data_path), Csize_t, (Ptr{Cvoid}, Ptr{UInt8}, Csize_t), reader, buf, len)
nb_reader_read(reader, from_time, to_time, channels, n_channels, buffer_size, layout, out, out_bytes, out_needed) =
    ccall(sym(:nb_reader_read), nb_status,
          (Ptr{Cvoid}, UInt64, UInt64, Ptr{Csize_t}, Csize_t, UInt64, nb_layout, Ptr{Cvoid}, Csize_t, Ptr{Csize_t}),
          reader, from_time, to_time, channels, n_channels, buffer_size, layout, out, out_bytes, out_needed)

# cursor.rs
nb_reader_plan(reader, opts, out_n_batches, out_rows_per_batch) = ccall(sym(:nb_reader_plan), nb_status, (Ptr{Cvoid}, Ptr{nb_batch_options}, Ptr{UInt64}, Ptr{UInt64}), reader, opts, out_n_batches, out_rows_per_batch)
nb_cursor_new(reader, opts, out_cursor) = ccall(sym(:nb_cursor_new), nb_status, (Ptr{Cvoid}, Ptr{nb_batch_options}, Ptr{Ptr{Cvoid}}), reader, opts, out_cursor)
nb_cursor_next_wait(cursor, timeout_ms, out_batch) = ccall(sym(:nb_cursor_next_wait), nb_status, (Ptr{Cvoid}, UInt32, Ptr{Ptr{nb_batch}}), cursor, timeout_ms, out_batch)
nb_cursor_next(cursor, out_batch) = ccall(sym(:nb_cursor_next), nb_status, (Ptr{Cvoid}, Ptr{Ptr{nb_batch}}), cursor, out_batch)
nb_cursor_seek(cursor, batch_index) = ccall(sym(:nb_cursor_seek), nb_status, (Ptr{Cvoid}, UInt64), cursor, batch_index)
nb_cursor_n_batches(cursor) = ccall(sym(:nb_cursor_n_batches), UInt64, (Ptr{Cvoid},), cursor)
nb_cursor_free(cursor) = ccall(sym(:nb_cursor_free), Cvoid, (Ptr{Cvoid},), cursor)

# result.rs, results.rs
nb_result_slot_set(out, dtype, n_rows, n_cols, layout, data) = ccall(sym(:nb_result_slot_set), nb_status, (Ptr{Cvoid}, nb_dtype, Csize_t, Csize_t, nb_layout, Ptr{Cvoid}), out, dtype, n_rows, n_cols, layout, data)
nb_result_slot_lend(out, dtype, n_rows, n_cols, out_data) = ccall(sym(:nb_result_slot_lend), nb_status, (Ptr{Cvoid}, nb_dtype, Csize_t, Csize_t, Ptr{Ptr{Cvoid}}), out, dtype, n_rows, n_cols, out_data)
nb_result_view_trim_buffer(result, batch, out, user_data) = ccall(sym(:nb_result_view_trim_buffer), Cint, (Ptr{nb_result_view}, Ptr{nb_batch}, Ptr{Cvoid}, Ptr{Cvoid}), result, batch, out, user_data)
nb_dtype_cast(from, src, to, dst, n_values) = ccall(sym(:nb_dtype_cast), nb_status, (nb_dtype, Ptr{Cvoid}, nb_dtype, Ptr{Cvoid}, Csize_t), from, src, to, dst, n_values)
nb_result_list_count(results) = ccall(sym(:nb_result_list_count), Csize_t, (Ptr{Cvoid},), results)
nb_result_list_get(results, index, out_view) = ccall(sym(:nb_result_list_get), nb_status, (Ptr{Cvoid}, Csize_t, Ptr{Ptr{nb_result_view}}), results, index, out_view)
nb_result_list_n_outputs(results) = ccall(sym(:nb_result_list_n_outputs), Csize_t, (Ptr{Cvoid},), results)
nb_result_list_output(results, index, out_info) = ccall(sym(:nb_result_list_output), nb_status, (Ptr{Cvoid}, Csize_t, Ptr{Ptr{nb_output_info}}), results, index, out_info)
nb_result_list_free(results) = ccall(sym(:nb_result_list_free), Cvoid, (Ptr{Cvoid},), results)

# apply.rs
nb_apply_options_init(opts, version) = ccall(sym(:nb_apply_options_init), nb_status, (Ptr{nb_apply_options}, UInt32), opts, version)
nb_if_file_exists_from_name(name, out_value) = ccall(sym(:nb_if_file_exists_from_name), nb_status, (Cstring, Ptr{nb_if_file_exists}), name, out_value)
# user_data is any Julia object, passed as `Any` (a jl_value_t*) and rooted by the caller.
nb_reader_apply(reader, batch_opts, apply_opts, fn, user_data, out_results, out_cb_value) =
    ccall(sym(:nb_reader_apply), nb_status,
          (Ptr{Cvoid}, Ptr{nb_batch_options}, Ptr{nb_apply_options}, Ptr{Cvoid}, Any, Ptr{Ptr{Cvoid}}, Ptr{Cint}),
          reader, batch_opts, apply_opts, fn, user_data, out_results, out_cb_value)

# shard.rs
nb_reader_shard_batches(reader, opts, shard_index, shard_count, out_first, out_stop) =
    ccall(sym(:nb_reader_shard_batches), nb_status, (Ptr{Cvoid}, Ptr{nb_batch_options}, UInt64, UInt64, Ptr{UInt64}, Ptr{UInt64}),
          reader, opts, shard_index, shard_count, out_first, out_stop)
nb_shard_finish(output_path, shard_count, run_id, out_results) = ccall(sym(:nb_shard_finish), nb_status, (Cstring, UInt64, Ptr{Cchar}, Ptr{Ptr{Cvoid}}), output_path, shard_count, run_id, out_results)
nb_shard_abort(output_path, shard_count, run_id) = ccall(sym(:nb_shard_abort), nb_status, (Cstring, UInt64, Ptr{Cchar}), output_path, shard_count, run_id)

# pipeline.rs
nb_pipeline_step_init(step, version) = ccall(sym(:nb_pipeline_step_init), nb_status, (Ptr{nb_pipeline_step}, UInt32), step, version)
nb_pipeline_options_init(opts, version) = ccall(sym(:nb_pipeline_options_init), nb_status, (Ptr{nb_pipeline_options}, UInt32), opts, version)
nb_pipeline_mode_from_name(name, out_mode) = ccall(sym(:nb_pipeline_mode_from_name), nb_status, (Cstring, Ptr{nb_pipeline_mode}), name, out_mode)
nb_pipeline_run(input_path, input_opts, batch_opts, pipeline_opts, steps, n_steps, out_results, out_cb_value) =
    ccall(sym(:nb_pipeline_run), nb_status,
          (Cstring, Ptr{nb_open_options}, Ptr{nb_batch_options}, Ptr{nb_pipeline_options}, Ptr{Ptr{nb_pipeline_step}}, Csize_t, Ptr{Ptr{Cvoid}}, Ptr{Cint}),
          input_path, input_opts, batch_opts, pipeline_opts, steps, n_steps, out_results, out_cb_value)

# writer.rs
nb_writer_check_path(output_path, input_path, if_file_exists, out_skip) = ccall(sym(:nb_writer_check_path), nb_status, (Cstring, Ptr{UInt8}, nb_if_file_exists, Ptr{Bool}), output_path, input_path, if_file_exists, out_skip)
nb_writer_open(output_path, order, n_channels, dtype, out_writer) = ccall(sym(:nb_writer_open), nb_status, (Cstring, nb_data_order, Csize_t, nb_dtype, Ptr{Ptr{Cvoid}}), output_path, order, n_channels, dtype, out_writer)
nb_writer_append(writer, dtype, n_rows, n_cols, layout, data) = ccall(sym(:nb_writer_append), nb_status, (Ptr{Cvoid}, nb_dtype, Csize_t, Csize_t, nb_layout, Ptr{Cvoid}), writer, dtype, n_rows, n_cols, layout, data)
nb_writer_append_channel(writer, position, dtype, n_rows, n_cols, layout, data) = ccall(sym(:nb_writer_append_channel), nb_status, (Ptr{Cvoid}, Csize_t, nb_dtype, Csize_t, Csize_t, nb_layout, Ptr{Cvoid}), writer, position, dtype, n_rows, n_cols, layout, data)
nb_writer_finish(writer, out_results) = ccall(sym(:nb_writer_finish), nb_status, (Ptr{Cvoid}, Ptr{Ptr{Cvoid}}), writer, out_results)
nb_writer_free(writer) = ccall(sym(:nb_writer_free), Cvoid, (Ptr{Cvoid},), writer)

end # module
