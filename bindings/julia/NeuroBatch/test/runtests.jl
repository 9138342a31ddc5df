# NeuroBatch tests: every value is checked against the fixture formula
# value(s, c) = (s * n_channels + c) % 32749 (0-based s and c), so a
# row/column-major slip fails. Run with (threads, so that the test of task
# pinning can see a migration):
#   NB_LIBRARY=/path/to/libneurobatch.so julia --threads=4 --project=bindings/julia/NeuroBatch bindings/julia/NeuroBatch/test/runtests.jl
#
# These tests have not been run on the machines neurobatch is developed on
# (Julia cannot be installed there); tests/julia/check_julia_ccalls.py checks
# them statically. See docs/julia.md.
using Test
using NeuroBatch
const L = NeuroBatch.LibNeuroBatch

fixture(s, c, n) = (s * n + c) % 32749

# Observations × channels, as a reader returns them.
fixture_matrix(::Type{T}, n_ch, rows, chans) where {T} = [T(fixture(s, c, n_ch)) for s in rows, c in chans]

function write_fixture(dir, name, ::Type{T}, n_ch, n_obs, order; sidecar=true, offset=0) where {T}
    v = [T(fixture(s, c, n_ch) + offset) for s in 0:n_obs-1, c in 0:n_ch-1]   # observations × channels
    path = joinpath(dir, name)
    write(path, order === :samples ? permutedims(v) : v)                     # column-major write
    if sidecar
        dtype = Dict(Int16 => "int16", Float32 => "float32", UInt8 => "uint8", Float64 => "float64", Int32 => "int32")[T]
        write(NeuroBatch.sidecar_path(path), "data_order: $(order)\ndtype: $(dtype)\nn_channels: $(n_ch)\n")
    end
    return path
end

# The exception of `f()`, or nothing.
caught(f) = try
    f()
    nothing
catch err
    err
end

# A user function that fails, named so that its frame can be found in the
# backtrace the package keeps.
fails_above_3000(x) = x[1, 1] > 3000 ? throw(DomainError(x[1, 1], "too big")) : x

hidden_files(dir) = filter(startswith("."), readdir(dir))

@testset "NeuroBatch" begin
    dir = mktempdir()

    @testset "library" begin
        @test L.nb_abi_version() == L.NB_ABI_VERSION
        @test NeuroBatch.version() >= v"0.1.0"
        @test NeuroBatch.version() == VersionNumber(L.NB_VERSION_STRING)
        @test parse_max_memory("300MB") == 314572800
        @test_throws NBError parse_max_memory("1.5GB")
        e = caught(() -> parse_max_memory("1kB"))
        @test e isa NBError && e.status == L.NB_STATUS_BAD_MEMORY && occursin("'1kB'", e.msg)
        e = caught(() -> parse_max_memory("1\0GB"))
        @test e isa ArgumentError && occursin("NUL", e.msg)
        @test cast_values(Int16, [1.9, -1.9, 300.7]) == Int16[1, -1, 300]
        # where the library is looked for
        abi = Int(L.NB_ABI_VERSION)
        @test NeuroBatch.library_names(windows=false, apple=false) == ["libneurobatch.so.$abi", "libneurobatch.so"]
        @test NeuroBatch.library_names(windows=false, apple=true) == ["libneurobatch.$abi.dylib", "libneurobatch.dylib"]
        @test NeuroBatch.library_names(windows=true) == ["neurobatch.dll", "libneurobatch.dll"]
        nowhere = joinpath(dir, "nowhere", "libneurobatch.so")
        e = caught(() -> NeuroBatch.open_library(Dict("NB_LIBRARY" => nowhere)))
        @test e isa ErrorException && occursin(nowhere, e.msg) && occursin("NB_LIBRARY", e.msg)
        if isfile(L.LIBRARY[])
            release = mkpath(joinpath(dir, "checkout", "target", "release"))
            cargo_name = Sys.iswindows() ? "neurobatch.dll" : last(NeuroBatch.library_names())
            cp(L.LIBRARY[], joinpath(release, cargo_name))
            path, handle = NeuroBatch.open_library(Dict{String,String}(); checkout=joinpath(dir, "checkout"))
            @test path == joinpath(release, cargo_name)
            NeuroBatch.Libdl.dlclose(handle)
        end
    end

    @testset "reader" begin
        for T in (Int16, Float32, Int32, Float64), order in (:samples, :channels)
            p = write_fixture(dir, "r_$(T)_$(order).bin", T, 7, 300, order)
            full = fixture_matrix(T, 7, 0:299, 0:6)
            for loader in (:pread, :mmap)
                open(RecordingsReader, p; loader) do r
                    @test r isa RecordingsReader{T}
                    @test size(r) == (300, 7) && size(r, 1) == 300 && size(r, 3) == 1 && ndims(r) == 2
                    @test axes(r) == (Base.OneTo(300), Base.OneTo(7)) && lastindex(r, 1) == 300 && lastindex(r, 2) == 7
                    @test eltype(r) == T
                    x = r[3:9, [7, 1, 4, 4]]
                    @test x isa Matrix{T}
                    @test x == fixture_matrix(T, 7, 2:8, [6, 0, 3, 3])
                    @test r[1:300, :] == full
                    @test r[1:end, :] == full
                    @test r[:, :] == full
                    @test r[5:6, 2] == full[5:6, 2]
                    @test r[:, 1] == full[:, 1] && r[:, 1] isa Vector{T}
                    @test r[5, :] == full[5, :] && length(r[5, :]) == 7
                    @test r[5, 2] === full[5, 2]
                    @test r[end, end] === full[end, end]
                    @test r[1:2:9, :] == full[1:2:9, :]
                    @test r[end:-3:1, 2:3] == full[end:-3:1, 2:3]
                    @test r[[9, 3, 3], [2, 7]] == full[[9, 3, 3], [2, 7]]
                    mask = [true, false, true, false, false, false, true]
                    @test r[10:12, mask] == full[10:12, mask]
                    @test size(r[1:0, :]) == (0, 7) && size(r[1:3, Int[]]) == (3, 0)
                end
            end
        end
        p = write_fixture(dir, "nosidecar.dat", Int16, 4, 50, :channels; sidecar=false)
        e = caught(() -> RecordingsReader(p))
        @test e isa NBError && e.status == L.NB_STATUS_SIDECAR_MISSING && occursin("nosidecar.yaml", e.msg)
        e = caught(() -> RecordingsReader(p; dtype=:int16, n_channels=3, data_order=:samples))
        @test e isa NBError && e.status == L.NB_STATUS_BAD_FILE_SIZE && occursin("remainder", e.msg)
        @test_throws ArgumentError RecordingsReader(p; dtype=:int16, n_channels=0, data_order=:samples)
        @test_throws ArgumentError RecordingsReader(p; dtype=:int16, n_channels=4, data_order=:samples, sampling_rate=-1)
        @test_throws ArgumentError RecordingsReader(p; dtype=:int16, n_channels=4, data_order=:samples, loader=:fast)
        r = RecordingsReader(p; dtype="int16", n_channels=4, data_order=:wide, sampling_rate=1000)
        @test sampling_rate(r) == 1000.0 && recording_format(r) === :raw && NeuroBatch.data_path(r) == p
        # out of range: BoundsError, before the library is asked
        for (i, j) in ((1:3, 0), (1:3, 5), (45:51, :), (0, :), (51, 1), (:, 0), (:, [1, 5]), (1:2, [true, false]))
            @test_throws BoundsError r[i, j]
        end
        close(r)
        close(r)   # idempotent
        @test !isopen(r)
        e = caught(() -> r[1:2, :])
        @test e isa ArgumentError && occursin("closed", e.msg)
        # two tasks closing one reader free it once
        r = RecordingsReader(p; dtype=Int16, n_channels=4, data_order=:channels)
        @sync for _ in 1:16
            Threads.@spawn close(r)
        end
        @test !isopen(r)
    end

    @testset "strings holding NUL are refused" begin
        p = write_fixture(dir, "nul.bin", Int16, 2, 10, :samples)
        for f in (() -> RecordingsReader(p * "\0.bin"),
                  () -> RecordingsReader([p, p * "\0"]),
                  () -> BatchProcessor(p * "\0"),
                  () -> RecordingsReader(p; dtype="int16\0"),
                  () -> RecordingsReader(p; data_order="samples\0x"),
                  () -> NeuroBatch.sidecar_path("a\0.bin"),
                  () -> Writer(joinpath(dir, "w\0.bin"), :samples, 2, Int16),
                  () -> PipedTransformation(identity, "a\0b.bin"),
                  () -> BatchPipeline(p; output_path=dir * "\0"),
                  () -> shard_finish(joinpath(dir, "s\0.bin"), 2),
                  () -> shard_abort(joinpath(dir, "s\0.bin"), 2))
            e = caught(f)
            @test e isa ArgumentError && occursin("NUL", e.msg)
        end
        bp = BatchProcessor(p)
        before = readdir(dir)
        e = caught(() -> multi_channel_apply(identity, bp; mode=:disk, output_path=joinpath(dir, "out\0.bin")))
        @test e isa ArgumentError && occursin("output_path", e.msg)
        @test readdir(dir) == before
        close(bp)
    end

    @testset "sessions of several files" begin
        a = write_fixture(dir, "part_a.bin", Int16, 3, 70, :samples)
        b = write_fixture(dir, "part_b.bin", Int16, 3, 50, :samples; offset=1000)
        whole = [fixture_matrix(Int16, 3, 0:69, 0:2); fixture_matrix(Int16, 3, 0:49, 0:2) .+ Int16(1000)]
        for loader in (:pread, :mmap)
            r = RecordingsReader([a, b]; loader)
            @test size(r) == (120, 3)
            @test r[69:72, :] == whole[69:72, :]
            @test r[:, :] == whole
            close(r)
        end
        # the keywords reach every file (none has a sidecar here)
        x = write_fixture(dir, "bare_x.dat", Int16, 3, 20, :samples; sidecar=false)
        y = write_fixture(dir, "bare_y.dat", Int16, 3, 30, :samples; sidecar=false)
        @test_throws NBError RecordingsReader([x, y])
        r = RecordingsReader([x, y]; dtype=Int16, n_channels=3, data_order=:samples)
        @test size(r) == (50, 3) && r[21, :] == fixture_matrix(Int16, 3, 0:0, 0:2)[1, :]
        close(r)
        @test_throws ArgumentError RecordingsReader(String[])
        @test_throws ArgumentError RecordingsReader([x, y]; dtype=Int16, n_channels=0, data_order=:samples)
        w = write_fixture(dir, "wide.bin", Int16, 4, 10, :samples)
        e = caught(() -> RecordingsReader([a, w]))
        @test e isa NBError && occursin("must agree", e.msg)
        # a processor over the session: batches cross the boundary between files
        bp = BatchProcessor([a, b]; max_memory=3 * 2 * 40)
        rows = [b.idx[1] for b in multi_channel(bp)]
        @test rows == [1:40, 41:80, 81:120]
        @test vcat([b.data for b in multi_channel(bp)]...) == whole
        @test vcat(multi_channel_apply(identity, bp)...) == whole
        close(bp)
    end

    @testset "Open Ephys streams" begin
        root = joinpath(dir, "Record Node 101", "experiment1", "recording1")
        names = ["Acquisition_Board-100.Rhythm Data", "Acquisition_Board-100.Rhythm Data_ADC"]
        for k in 1:2
            d = mkpath(joinpath(root, "continuous", names[k]))
            write_fixture(d, "continuous.dat", Int16, k, 30, :samples; sidecar=false, offset=100 * k)
        end
        write(joinpath(root, "structure.oebin"),
              """{"continuous": [{"folder_name": "$(names[1])/", "sample_rate": 30000.0, "stream_name": "Rhythm Data", "num_channels": 1, "channels": [{"channel_name": "CH1", "bit_volts": 0.195, "units": "uV"}]},
               {"folder_name": "$(names[2])/", "sample_rate": 30000.0, "stream_name": "Rhythm Data_ADC", "num_channels": 2, "channels": [{"channel_name": "ADC1", "bit_volts": 0.000152587890625, "units": "V"}, {"channel_name": "ADC2", "bit_volts": 0.000152587890625, "units": "V"}]}]}
              """)
        oebin = joinpath(root, "structure.oebin")
        for stream in ("Rhythm Data_ADC", 2)
            open(RecordingsReader, oebin; stream) do r
                @test recording_format(r) === :openephys && size(r) == (30, 2)
                @test scales_uv(r) == [152.587890625, 152.587890625] && sampling_rate(r) == 30000.0
                @test channel_kinds(r) == [:analog, :analog]
                @test r[:, :] == fixture_matrix(Int16, 2, 0:29, 0:1) .+ Int16(200)
            end
        end
        open(RecordingsReader, oebin; stream=1) do r
            @test size(r) == (30, 1) && scales_uv(r) == [0.195] && channel_kinds(r) == [:neural]
            @test r[:, 1] == vec(fixture_matrix(Int16, 1, 0:29, 0:0)) .+ Int16(100)
        end
        e = caught(() -> RecordingsReader(oebin; stream=0))
        @test e isa ArgumentError && occursin("counts from 1", e.msg)
        @test_throws ArgumentError RecordingsReader(oebin; stream=-1)
        @test_throws ArgumentError RecordingsReader(oebin; stream="")
        @test_throws ArgumentError RecordingsReader(oebin; stream=1.0)
        e = caught(() -> RecordingsReader(oebin; stream=3))
        @test e isa NBError && occursin("stream = 3", e.msg)
        e = caught(() -> RecordingsReader(oebin; stream="Rhythm\0Data"))
        @test e isa ArgumentError && occursin("NUL", e.msg)
        bp = BatchProcessor(oebin; stream=2, max_memory=2 * 2 * 10)
        @test length(multi_channel(bp)) == 3
        close(bp)
    end

    @testset "cursors" begin
        for order in (:samples, :channels)
            p = write_fixture(dir, "w_$(order).bin", Int16, 10, 1000, order)
            bp = BatchProcessor(p; max_memory=6000, buffer_size=3)   # 6000 ÷ (10 × 2) = 300 rows
            c = multi_channel(bp)
            @test c isa Cursor{Int16} && length(c) == 4
            starts = Int[]
            for (data, idx_local, idx) in c
                rows = idx[1]
                push!(starts, first(rows))
                @test idx_local == 4:(3 + length(rows))
                @test data[idx_local, :] == fixture_matrix(Int16, 10, rows .- 1, 0:9)
                before = (first(rows) - 3):(first(rows) - 1)
                @test data[1:3, :] == [s < 1 ? Int16(0) : Int16(fixture(s - 1, ch, 10)) for s in before, ch in 0:9]
                after = (last(rows) + 1):(last(rows) + 3)
                @test data[end-2:end, :] == [s > 1000 ? Int16(0) : Int16(fixture(s - 1, ch, 10)) for s in after, ch in 0:9]
            end
            @test starts == [1, 301, 601, 901]
            # the loop reached the end: the library cursor and its block are released
            @test !NeuroBatch.holds_memory(c) && isopen(c)
            # restartable: first, then collect, then another loop
            b1 = first(c)
            @test b1.idx[1] == 1:300 && NeuroBatch.holds_memory(c)
            all_batches = collect(c)
            @test all_batches isa Vector{NeuroBatch.BatchTuple{Int16}}
            @test length(all_batches) == 4 && all(k -> isassigned(all_batches, k), 1:4)
            @test [b.idx[1] for b in all_batches] == [1:300, 301:600, 601:900, 901:1000]
            @test [first(b.idx[1]) for b in c] == starts
            @test eltype(c) == NeuroBatch.BatchTuple{Int16} && Base.IteratorSize(c) == Base.HasLength()
            # two loops over one cursor at once: the older one is told
            _, walk1 = iterate(c)
            iterate(c)
            @test_throws ArgumentError iterate(c, walk1)
            # close: memory released, no more loops
            close(c)
            @test !isopen(c) && !NeuroBatch.holds_memory(c)
            @test_throws ArgumentError first(c)
            close(c)
            # do-block form closes the cursor
            seen = Ref{Any}(nothing)
            n = multi_channel(bp) do c2
                seen[] = c2
                length(collect(c2))
            end
            @test n == 4 && !isopen(seen[])
            # without copies: same batches
            copies = [(b.data, b.idx) for b in multi_channel(bp)]
            k = 0
            for (data, idx_local, idx) in unsafe_batches(multi_channel(bp))
                k += 1
                @test data == copies[k][1] && idx == copies[k][2]
            end
            @test k == 4
            @test eltype(unsafe_batches(c)) == eltype(c) && length(unsafe_batches(c)) == 4
            b = first(multi_channel(bp; from_time=100, to_time=200, channels=[3, 1, 3]))
            @test b.idx == (101:200, [3, 1, 3]) && b.channel === nothing
            @test b.data[b.idx_local, :] == fixture_matrix(Int16, 10, 100:199, [2, 0, 2])
            chans = [b.channel for b in single_channel(bp; channels=[2, 5], from_time=10, to_time=990)]
            @test chans == [2, 5]
            single_channel(bp; channels=7) do c3
                (data, idx_local, idx, channel) = first(c3)
                @test size(data) == (1000 + 6, 1) && channel == 7 && data[idx_local, 1] == fixture_matrix(Int16, 10, 0:999, 6)[:, 1]
            end
            # a temporary cursor (only `first` holds it) is kept alive while its batch is copied
            want = fixture_matrix(Int16, 10, 0:299, [0, 1])
            for _ in 1:200
                t = first(multi_channel(bp; channels=[1, 2]))
                junk = [zeros(UInt8, 1024) for _ in 1:50]   # garbage, so that the GC runs meanwhile
                @test t.data[t.idx_local, :] == want
            end
            GC.gc()
            close(bp)
            small = BatchProcessor(p; max_memory="400B")
            e = caught(() -> single_channel(small; channels=1))
            @test e isa NBError && e.status == L.NB_STATUS_MEMORY_TOO_SMALL && occursin("2000 bytes", e.msg)
            @test length(single_channel(small; force_complete_channel_batch=false, channels=[1, 2, 3])) == 15
            e = caught(() -> multi_channel(small; to_time=1001))
            @test e isa NBError && e.status == L.NB_STATUS_BAD_RANGE
            @test_throws ArgumentError multi_channel(small; channels=Int[])
            @test_throws ArgumentError multi_channel(small; channels=11)
            @test_throws ArgumentError multi_channel(small; from_time=-1)
            close(small)
            e = caught(() -> multi_channel(small))
            @test e isa ArgumentError && occursin("closed", e.msg)
        end
    end

    @testset "apply" begin
        p = write_fixture(dir, "in.bin", Int16, 10, 1000, :samples)
        bp = BatchProcessor(p; max_memory=600)
        res = multi_channel_apply(x -> maximum(x; dims=1), bp; channels=[1, 2, 3])   # 600 ÷ (3 × 2) = 100 rows: 10 batches
        @test res isa Vector{Matrix{Int16}}
        @test length(res) == 10 && size(res[1]) == (1, 3)
        @test vec(maximum(vcat(res...); dims=1)) == [maximum(fixture(s, c, 10) for s in 0:999) for c in 0:2]
        @test multi_channel_apply(x -> sum(Float64, x), bp; channels=1) isa Vector{Matrix{Float64}}
        empty = multi_channel_apply(x -> x, bp; from_time=5, to_time=5, cast_dtype=:float32)
        @test empty isa Vector{Matrix{Float32}} && isempty(empty)
        out = joinpath(dir, "added.bin")
        written = multi_channel_apply(x -> x .+ Int16(1), bp; mode=:disk, output_path=out, channels=[1, 2, 3])
        path, params = written
        @test path == out && params == (dtype=:int16, n_channels=3, data_order=:samples)
        @test written.skipped == false && written.n_observations == 1000
        @test read(NeuroBatch.sidecar_path(out), String) == "data_bytes: 6000\ndata_order: samples\ndtype: int16\nn_channels: 3\n"
        @test reinterpret(Int16, read(out)) == vec(permutedims(fixture_matrix(Int16, 10, 0:999, 0:2) .+ Int16(1)))
        open(RecordingsReader, out) do r
            @test r[1:1000, :] == fixture_matrix(Int16, 10, 0:999, 0:2) .+ Int16(1)
        end
        @test_throws ArgumentError multi_channel_apply(identity, bp; output_path=joinpath(dir, "x.bin"))   # memory mode
        @test_throws ArgumentError multi_channel_apply(identity, bp; mode=:disk)                           # no path
        # buffer, trimming (ours and the library's), pass_batch_info: 600 ÷ (10 × 2) = 30 rows, 34 batches
        bpb = BatchProcessor(p; max_memory=600, buffer_size=4)
        for cleanup in ((r, idx_local, idx, b) -> r[idx_local, :], :trim_buffer)
            o = joinpath(dir, "trimmed.bin")
            multi_channel_apply((x, idx_local, idx) -> x .* Int16(2), bpb; mode=:disk, output_path=o,
                                cleanup_function=cleanup, pass_batch_info=true)
            open(RecordingsReader, o) do r
                @test r[1:1000, :] == [Int16(2 * fixture(s, c, 10)) for s in 0:999, c in 0:9]
            end
        end
        # a cleanup returning nothing keeps the result as it was
        calls = Ref(0)
        kept = multi_channel_apply(x -> x[1:2, :], bpb; cleanup_function=(r, idx_local, idx, b) -> (calls[] += 1; nothing))
        @test kept == multi_channel_apply(x -> x[1:2, :], bpb) && calls[] == length(multi_channel(bpb)) == 34
        @test_throws ArgumentError multi_channel_apply(identity, bpb; cleanup_function=:trim)
        close(bpb)
        # pass_batch_results: running sums, only the last returned
        total = multi_channel_apply((x, prev) -> (prev === nothing ? 0.0 : prev[1]) + sum(Float64, x), bp;
                                    channels=4, pass_batch_results=true)
        @test total[1] == sum(fixture(s, 3, 10) for s in 0:999)
        @test multi_channel_apply((x, prev) -> 1, bp; pass_batch_results=true, from_time=5, to_time=5) === nothing
        # cast_dtype as the library casts (truncation)
        r = multi_channel_apply(x -> Float64.(x) ./ 4 .+ 0.7, bp; cast_dtype=:int32, channels=1, to_time=30)
        @test eltype(r[1]) == Int32 && vec(r[1]) == [Int32(trunc(fixture(s, 0, 10) / 4 + 0.7)) for s in 0:29]
        # single channel to disk: channels order, read back as obs × ch
        o3 = joinpath(dir, "single.bin")
        _, params = single_channel_apply(x -> Float32.(x) .- 1f0, bp; mode=:disk, output_path=o3, channels=[5, 2],
                                         force_complete_channel_batch=false, from_time=100, to_time=900)
        @test params == (dtype=:float32, n_channels=2, data_order=:channels)
        open(RecordingsReader, o3) do r
            @test r[1:800, :] == [Float32(fixture(s, c, 10) - 1) for s in 100:899, c in [4, 1]]
        end
        # if_file_exists
        e = caught(() -> multi_channel_apply(identity, bp; mode=:disk, output_path=out, if_file_exists=:abort))
        @test e isa NBError && e.status == L.NB_STATUS_FILE_EXISTS
        skipped = multi_channel_apply(x -> error("never called"), bp; mode=:disk, output_path=out, if_file_exists=:skip)
        @test skipped.path == out && skipped.params.n_channels == 3 && skipped.skipped
        e = caught(() -> multi_channel_apply(identity, bp; if_file_exists=:replace))
        @test e isa NBError && occursin("'replace'", e.msg)
        @test_throws ArgumentError multi_channel_apply(identity, bp; mode=:tape)
        # a Julia exception in f: rethrown with the backtrace of where it was thrown; no output left
        o5 = joinpath(dir, "failed.bin")
        n_files = length(readdir(dir))
        e = caught(() -> multi_channel_apply(fails_above_3000, bp; mode=:disk, output_path=o5))
        @test e isa CapturedException && e.ex isa DomainError && e.ex.val > 3000
        @test any(frame -> frame[1].func === :fails_above_3000, e.processed_bt)
        @test !isfile(o5) && length(readdir(dir)) == n_files
        # ... in the cleanup, at run time
        e = caught(() -> multi_channel_apply(identity, bp; mode=:disk, output_path=o5,
                                             cleanup_function=(r, il, idx, b) -> first(idx[1]) > 500 ? error("cleanup failed") : r))
        @test e isa CapturedException && e.ex isa ErrorException && e.ex.msg == "cleanup failed"
        @test !isfile(o5) && length(readdir(dir)) == n_files
        # ... in the progress callback
        e = caught(() -> multi_channel_apply(identity, bp; mode=:disk, output_path=o5,
                                             progress=(d, t) -> d == 2 ? throw(KeyError(d)) : false))
        @test e isa CapturedException && e.ex == KeyError(2)
        @test !isfile(o5) && length(readdir(dir)) == n_files
        # ... a result the library cannot take
        e = caught(() -> multi_channel_apply(x -> "text", bp))
        @test e isa CapturedException && e.ex isa ArgumentError && occursin("String", e.ex.msg)
        e = caught(() -> multi_channel_apply(x -> nothing, bp))
        @test e isa CapturedException && e.ex isa ArgumentError && occursin("nothing", e.ex.msg)
        # an interrupt inside f comes back as itself
        e = caught(() -> multi_channel_apply(x -> throw(InterruptException()), bp; mode=:disk, output_path=o5))
        @test e isa InterruptException && !isfile(o5)
        # progress: called per batch with the total, may cancel
        n = length(multi_channel(bp))
        @test n == 34   # 600 ÷ (10 × 2) = 30 rows per batch
        seen = Tuple{Int,Int}[]
        multi_channel_apply(x -> 0, bp; progress=(done, total) -> (push!(seen, (done, total)); false))
        @test seen == [(k, n) for k in 1:n]
        e = caught(() -> multi_channel_apply(x -> 0, bp; mode=:disk, output_path=o5, progress=(d, t) -> d == 3))
        @test e isa NBError && e.status == L.NB_STATUS_CANCELLED && !isfile(o5)
        # callbacks that yield: the task stays on its thread (pinned) during the call
        t = Threads.@spawn begin
            marks = Tuple{Bool,Int,Int}[]
            multi_channel_apply(bp; channels=1, progress=(d, total) -> (yield(); false)) do x
                before = Threads.threadid()
                yield()
                sleep(0.001)
                push!(marks, (current_task().sticky, before, Threads.threadid()))
                0
            end
            marks
        end
        marks = fetch(t)
        @test length(marks) == length(multi_channel(bp; channels=1))
        @test all(m -> m[1] && m[2] == m[3], marks)
        # shards in memory: the shards' results are the whole run's
        whole = multi_channel_apply(identity, bp; channels=[1, 2])
        @test [multi_channel_apply(identity, bp; channels=[1, 2], shard=(1, 2));
               multi_channel_apply(identity, bp; channels=[1, 2], shard=2 => 2)] == whole
        for bad in ((0, 2), (3, 2), (1, 0), (1,), "1/2")
            @test_throws ArgumentError multi_channel_apply(identity, bp; shard=bad)
        end
        @test_throws ArgumentError multi_channel_apply(identity, bp; shard=(1, 2), shard_output=:rows)
        close(bp)
    end

    @testset "Ctrl-C during an apply" begin
        # One SIGINT while the library runs: it reaches the callback, inside
        # its try; the run stops there, leaves no output, and
        # InterruptException is thrown. (The main task runs on thread 1, the
        # thread Julia delivers SIGINT to.)
        if Sys.isunix() && Threads.threadid() == 1
            Base.exit_on_sigint(false)   # a script exits on SIGINT otherwise
            p = write_fixture(dir, "interrupted_in.bin", Int16, 4, 400, :samples)
            bp = BatchProcessor(p; max_memory=4 * 2 * 50)
            o = joinpath(dir, "interrupted.bin")
            calls = Ref(0)
            e = caught() do
                multi_channel_apply(bp; mode=:disk, output_path=o) do x
                    calls[] += 1
                    if calls[] == 3
                        ccall(:kill, Cint, (Cint, Cint), getpid(), 2)   # SIGINT to the process
                        sleep(5)                                        # interrupted here
                    end
                    x
                end
            end
            @test e isa InterruptException && calls[] == 3 && !isfile(o)
            @test isempty(filter(f -> startswith(f, ".interrupted.bin"), readdir(dir)))
            close(bp)
        end
    end

    @testset "convert and read-ahead" begin
        p = write_fixture(dir, "conv_in.bin", Int16, 7, 1003, :channels)
        bps = Dict(ra => BatchProcessor(p; max_memory=3 * 2 * 50, read_ahead=ra) for ra in (:auto, :on, :off))
        bp = bps[:auto]
        @test bp.read_ahead === :auto && bps[:off].read_ahead === :off
        # disk, samples order: the bytes (and sidecar) an identity apply writes
        kw = (cast_dtype=:float32, channels=[6, 1, 6], from_time=11, to_time=990)
        want = joinpath(dir, "conv_apply.bin")
        multi_channel_apply(identity, bp; mode=:disk, output_path=want, kw...)
        for (ra, b) in bps
            out = joinpath(dir, "conv_$(ra).bin")
            written = convert_recording(b; mode=:disk, output_path=out, kw...)
            path, params = written
            @test path == out && params == (dtype=:float32, n_channels=3, data_order=:samples)
            @test !written.skipped && written.n_observations == 979
            @test read(out) == read(want) && read(NeuroBatch.sidecar_path(out)) == read(NeuroBatch.sidecar_path(want))
        end
        open(RecordingsReader, joinpath(dir, "conv_on.bin")) do r
            @test r[:, :] == Float32.(fixture_matrix(Int16, 7, 11:989, [5, 0, 5]))
        end
        # disk, channels order: as a single-channel apply in windows writes it
        want = joinpath(dir, "conv_apply_wide.bin")
        single_channel_apply(identity, bp; mode=:disk, output_path=want, force_complete_channel_batch=false, channels=[2, 5])
        out = joinpath(dir, "conv_wide.bin")
        _, params = convert_recording(bp; mode=:disk, output_path=out, data_order=:channels, channels=[2, 5])
        @test params == (dtype=:int16, n_channels=2, data_order=:channels)
        @test read(out) == read(want) && read(NeuroBatch.sidecar_path(out)) == read(NeuroBatch.sidecar_path(want))
        # memory: the blocks themselves, as an identity apply returns them
        for (ra, b) in bps
            blocks = convert_recording(b; channels=[3, 4, 1], to_time=400)
            @test blocks isa Vector{Matrix{Int16}} && length(blocks) == 8
            @test blocks == multi_channel_apply(identity, b; channels=[3, 4, 1], to_time=400)
            @test vcat(blocks...) == fixture_matrix(Int16, 7, 0:399, [2, 3, 0])
        end
        @test convert_recording(bp; cast_dtype=UInt8, channels=1, to_time=60) == [cast_values(UInt8, fixture_matrix(Int16, 7, 0:59, [0]))]
        @test isempty(convert_recording(bp; from_time=5, to_time=5))
        # read_ahead: the same batches from cursors, the same results from applies
        walks = Dict(ra => collect(multi_channel(b; channels=[7, 2, 3])) for (ra, b) in bps)
        @test length(walks[:on]) == cld(1003, 50) && walks[:on] == walks[:off] == walks[:auto]
        sums = Dict(ra => multi_channel_apply(x -> sum(Float64, x; dims=1), b; channels=[7, 2, 3]) for (ra, b) in bps)
        @test sums[:on] == sums[:off] == sums[:auto]
        on = BatchProcessor(p; max_memory=2 * 64, buffer_size=5, edge=:reflect, read_ahead=:on)
        off = BatchProcessor(p; max_memory=2 * 64, buffer_size=5, edge=:reflect, read_ahead=:off)
        @test single_channel_apply(identity, on; force_complete_channel_batch=false) ==
              single_channel_apply(identity, off; force_complete_channel_batch=false)
        # a buffered processor converts without its buffer rows
        @test vcat(convert_recording(on; channels=4)...) == fixture_matrix(Int16, 7, 0:1002, [3])
        close(on)
        close(off)
        # pipelines give read_ahead to every step: the same outputs either way
        outs = map((:on, :off)) do ra
            sub = mkpath(joinpath(dir, "conv_pipe_$(ra)"))
            pl = BatchPipeline(p; max_memory=2 * 1003, output_path=sub, read_ahead=ra)
            add!(pl, PipedTransformation(x -> x .+ Int16(1), "a.bin"; mode=:multi_channel, keep=true),
                 PipedTransformation(x -> Float32.(x) .* 2f0, "b.bin"))
            run(pl).paths
        end
        @test read(outs[1][1]) == read(outs[2][1]) && read(outs[1][2]) == read(outs[2][2])
        @test_throws ArgumentError BatchPipeline(p; output_path=dir, read_ahead=:sometimes)
        # progress: reported per batch, may cancel; an exception in it comes back
        seen = Tuple{Int,Int}[]
        convert_recording(bp; mode=:disk, output_path=joinpath(dir, "conv_progress.bin"),
                          progress=(d, t) -> (push!(seen, (d, t)); false))
        n = length(multi_channel(bp))
        @test !isempty(seen) && last(seen) == (n, n)
        o = joinpath(dir, "conv_cancelled.bin")
        e = caught(() -> convert_recording(bp; mode=:disk, output_path=o, progress=(d, t) -> d == 2))
        @test e isa NBError && e.status == L.NB_STATUS_CANCELLED && !isfile(o)
        e = caught(() -> convert_recording(bp; mode=:disk, output_path=o, progress=(d, t) -> throw(KeyError(d))))
        @test e isa CapturedException && e.ex isa KeyError && !isfile(o)
        # if_file_exists: abort leaves the file as it was, skip reports it
        out = joinpath(dir, "conv_on.bin")
        before = read(out)
        e = caught(() -> convert_recording(bp; mode=:disk, output_path=out, if_file_exists=:abort))
        @test e isa NBError && e.status == L.NB_STATUS_FILE_EXISTS && read(out) == before
        skipped = convert_recording(bp; mode=:disk, output_path=out, if_file_exists=:skip, cast_dtype=Int32)
        @test skipped.skipped && skipped.params.dtype === :float32 && read(out) == before
        # errors, before anything is written
        e = caught(() -> convert_recording(bp; mode=:disk, output_path=p))
        @test e isa NBError && e.status == L.NB_STATUS_BAD_OUTPUT_PATH
        @test_throws ArgumentError convert_recording(bp; mode=:disk)
        @test_throws ArgumentError convert_recording(bp; output_path=o)                          # memory mode
        @test_throws ArgumentError convert_recording(bp; data_order=:channels)                   # memory mode
        @test_throws ArgumentError convert_recording(bp; mode=:disk, output_path=o, data_order=:rows)
        @test_throws ArgumentError convert_recording(bp; mode=:disk, output_path=o, channels=8)
        @test_throws MethodError convert_recording(bp; pass_batch_results=true)   # no function to pass it to
        @test_throws ArgumentError BatchProcessor(p; read_ahead=:sometimes)
        @test_throws ArgumentError BatchProcessor(p; read_ahead=true)
        @test !isfile(o)
        # Base.convert is not touched
        @test convert(Float64, 1) === 1.0 && !hasmethod(convert, Tuple{BatchProcessor})
        foreach(close, values(bps))
    end

    @testset "writer and pipeline" begin
        w = Writer(joinpath(dir, "w.bin"), :samples, 2, Float64)
        append!(w, [1.0 2.0; 3.0 4.0])
        path, params = finish!(w)
        @test reinterpret(Float64, read(path)) == [1.0, 2.0, 3.0, 4.0] && params.n_channels == 2
        @test !isopen(w)
        w = Writer(joinpath(dir, "gone.bin"), :channels, 2, Int16)
        append_channel!(w, 1, Int16[1, 2, 3])
        @test_throws ArgumentError append_channel!(w, 0, Int16[1])
        close(w)
        @test !isfile(joinpath(dir, "gone.bin"))
        @test_throws ArgumentError append!(w, [1.0 2.0])   # closed

        p = write_fixture(dir, "pipe.bin", Int16, 6, 3000, :samples)
        pl = BatchPipeline(p; max_memory="500MB", output_path=dir, channels=[6, 3, 1, 2], from_time=100, to_time=2900)
        add!(pl, PipedTransformation(x -> x .+ Int16(1), "filtered.bin"),
                 PipedTransformation(x -> Int32.(x) .* Int32(2), "scaled.bin"; mode=:multi_channel, keep=true))
        progress = Tuple{Int,Int}[]
        ran = run(pl; progress=(d, t) -> (push!(progress, (d, t)); false))
        paths, params = ran
        @test paths == [joinpath(dir, "filtered.bin"), joinpath(dir, "scaled.bin")]
        @test params[1].data_order == :channels && params[2] == (dtype=:int32, n_channels=4, data_order=:samples)
        @test ran.kept == [false, true] && ran.skipped == [false, false]
        @test !isfile(joinpath(dir, "filtered.bin")) && isfile(p)
        @test !isempty(progress) && last(progress)[1] == last(progress)[2]
        open(RecordingsReader, paths[2]) do r
            @test r[1:2800, :] == [Int32(2 * (fixture(s, c, 6) + 1)) for s in 100:2899, c in [5, 2, 0, 1]]
        end
        @test_throws ArgumentError PipedTransformation(identity, "b.bin"; mode=:all_at_once)
        @test_throws ArgumentError PipedTransformation(identity, "")
        @test_throws ArgumentError run(BatchPipeline(p; output_path=dir))   # no step
        bad = BatchPipeline(p; max_memory="500MB", output_path=dir, channels=[7])
        add!(bad, PipedTransformation(identity, "never.bin"))
        e = caught(() -> run(bad))
        @test e isa ArgumentError && occursin("channel 7", e.msg)
        # a step failing at run time: rethrown with its backtrace; that step leaves no output
        sub = mkpath(joinpath(dir, "pipe_fail"))
        failing = BatchPipeline(p; max_memory="500MB", output_path=sub)
        add!(failing, PipedTransformation(x -> x, "a.bin"; keep=true),
                      PipedTransformation(x -> error("step two failed"), "b.bin"; mode=:multi_channel))
        e = caught(() -> run(failing))
        @test e isa CapturedException && e.ex isa ErrorException && e.ex.msg == "step two failed"
        @test !isfile(joinpath(sub, "b.bin")) && isempty(hidden_files(sub))
    end

    @testset "metadata, edges, microvolts, shards" begin
        p = write_fixture(dir, "glx.ap.bin", Int16, 3, 100, :samples; sidecar=false)
        # A Neuropixels 1.0 .ap.meta as SpikeGLX writes it for a subset save:
        # acquired 384 AP + 384 LF + 1 SY, saved AP channels 0 and 1 and the sync word (768).
        imro = "(0,384)" * join("($c 0 0 $(c == 1 ? 250 : 500) 250 1)" for c in 0:383)
        write(joinpath(dir, "glx.ap.meta"),
              "imSampRate=30000\nimAiRangeMax=0.6\nimMaxInt=512\nnSavedChans=3\nacqApLfSy=384,384,1\n" *
              "snsApLfSy=2,0,1\nsnsSaveChanSubset=0:1,768\n~imroTbl=$imro\n")
        scales = [2.34375, 4.6875, 1.0]   # 0.6 / 512 / gain × 1e6; the sync channel: 1
        open(RecordingsReader, p) do r
            @test recording_format(r) === :spikeglx
            @test sampling_rate(r) == 30000.0
            @test scales_uv(r) == scales
            @test channel_kinds(r) == [:neural_ap, :neural_ap, :digital]
        end
        uv = BatchProcessor(p; microvolts=true, max_memory=3 * 2 * 50)
        b = first(multi_channel(uv))
        @test b.data isa Matrix{Float32}
        @test b.data == [Float32(fixture(s, c, 3) * scales[c + 1]) for s in 0:49, c in 0:2]
        close(uv)
        q = write_fixture(dir, "plain.bin", Int16, 3, 100, :samples)
        open(RecordingsReader, q) do r
            @test sampling_rate(r) === nothing && scales_uv(r) === nothing && channel_kinds(r) === nothing
        end
        @test_throws NBError multi_channel(BatchProcessor(q; microvolts=true))
        # edges: 50 rows per batch, 2 buffer rows
        row(s) = [Int16(fixture(s, c, 3)) for c in 0:2]'
        bp = BatchProcessor(q; max_memory=3 * 2 * 50, buffer_size=2, edge=:replicate)
        first_batch = first(multi_channel(bp))
        @test first_batch.data[1:2, :] == [row(0); row(0)]
        close(bp)
        bp = BatchProcessor(q; max_memory=3 * 2 * 50, buffer_size=2, edge=:reflect)
        batches = collect(multi_channel(bp))
        @test batches[1].data[1:2, :] == [row(2); row(1)]          # observation -k is observation k
        @test batches[end].data[end-1:end, :] == [row(98); row(97)]
        @test_throws ArgumentError BatchProcessor(q; edge=:mirror)
        # shards on disk: parts and same rows, published by shard_finish
        sdir = mkpath(joinpath(dir, "shards"))
        for shard_output in (:parts, :same_rows)
            out = joinpath(sdir, "sharded_$(shard_output).bin")
            for k in 1:2
                @test multi_channel_apply(x -> x, bp; mode=:disk, output_path=out, shard=(k, 2), shard_output,
                                          cleanup_function=:trim_buffer) === nothing
            end
            @test !isfile(out)
            path, params = shard_finish(out, 2)
            @test path == out && params.n_channels == 3
            @test read(out) == read(q)
        end
        @test isempty(hidden_files(sdir))
        # after a failed shard, shard_abort removes the pieces the others left
        out = joinpath(sdir, "incomplete.bin")
        multi_channel_apply(x -> x, bp; mode=:disk, output_path=out, shard=(1, 2), cleanup_function=:trim_buffer)
        @test !isempty(hidden_files(sdir))
        shard_abort(out, 2)
        @test isempty(hidden_files(sdir)) && !isfile(out)
        # a shard missing: shard_finish refuses and publishes nothing
        multi_channel_apply(x -> x, bp; mode=:disk, output_path=out, shard=(1, 2), cleanup_function=:trim_buffer)
        e = caught(() -> shard_finish(out, 2))
        @test e isa NBError && e.status == L.NB_STATUS_SHARD_INCOMPLETE && !isfile(out)
        @test isempty(hidden_files(sdir))
        @test_throws ArgumentError shard_finish(out, 0)
        close(bp)
    end
end
