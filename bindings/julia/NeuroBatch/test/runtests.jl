# NeuroBatch tests: every value is checked against the fixture formula
# value(s, c) = (s * n_channels + c) % 32749 (0-based s and c), so a
# row/column-major slip fails. Run with:
#   NB_LIBRARY=/path/to/libneurobatch.so julia --project=bindings/julia/NeuroBatch bindings/julia/NeuroBatch/test/runtests.jl
using Test
using NeuroBatch
const L = NeuroBatch.LibNeuroBatch

fixture(s, c, n) = (s * n + c) % 32749

function write_fixture(dir, name, ::Type{T}, n_ch, n_obs, order; sidecar=true) where {T}
    v = [T(fixture(s, c, n_ch)) for s in 0:n_obs-1, c in 0:n_ch-1]   # observations × channels
    path = joinpath(dir, name)
    write(path, order === :samples ? permutedims(v) : v)            # column-major write
    if sidecar
        dtype = Dict(Int16 => "int16", Float32 => "float32", UInt8 => "uint8", Float64 => "float64", Int32 => "int32")[T]
        write(NeuroBatch.sidecar_path(path), "data_order: $(order)\ndtype: $(dtype)\nn_channels: $(n_ch)\n")
    end
    return path
end

@testset "NeuroBatch" begin
    dir = mktempdir()

    @testset "library" begin
        @test L.nb_abi_version() == L.NB_ABI_VERSION
        @test NeuroBatch.version() >= v"0.1.0"
        @test parse_max_memory("300MB") == 314572800
        @test_throws NBError parse_max_memory("1.5GB")
        e = try parse_max_memory("1kB"); nothing catch err; err end
        @test e isa NBError && e.status == L.NB_STATUS_BAD_MEMORY && occursin("'1kB'", e.msg)
        @test cast_values(Int16, [1.9, -1.9, 300.7]) == Int16[1, -1, 300]
    end

    @testset "reader" begin
        for T in (Int16, Float32, Int32, Float64), order in (:samples, :channels)
            p = write_fixture(dir, "r_$(T)_$(order).bin", T, 7, 300, order)
            open(RecordingsReader, p) do r
                @test size(r) == (300, 7)
                @test eltype(r) == T
                x = r[3:9, [7, 1, 4, 4]]
                @test x isa Matrix{T}
                @test x == [T(fixture(s, c, 7)) for s in 2:8, c in [6, 0, 3, 3]]
                @test r[1:300, :] == [T(fixture(s, c, 7)) for s in 0:299, c in 0:6]
                @test r[5:6, 2] == [T(fixture(s, 1, 7)) for s in 4:5]
            end
        end
        p = write_fixture(dir, "nosidecar.dat", Int16, 4, 50, :channels; sidecar=false)
        e = try RecordingsReader(p); nothing catch err; err end
        @test e isa NBError && e.status == L.NB_STATUS_SIDECAR_MISSING && occursin("nosidecar.yaml", e.msg)
        e = try RecordingsReader(p; dtype=:int16, n_channels=3, data_order=:samples); nothing catch err; err end
        @test e isa NBError && e.status == L.NB_STATUS_BAD_FILE_SIZE && occursin("remainder", e.msg)
        r = RecordingsReader(p; dtype="int16", n_channels=4, data_order=:wide)
        @test_throws ArgumentError r[1:3, 0]
        @test_throws ArgumentError r[1:3, 5]
        e = try r[45:51, :]; nothing catch err; err end
        @test e isa NBError && e.status == L.NB_STATUS_BAD_RANGE
        close(r)
        close(r)   # idempotent
        @test_throws ArgumentError r[1:2, :]
    end

    @testset "cursors" begin
        for order in (:samples, :channels)
            p = write_fixture(dir, "w_$(order).bin", Int16, 10, 1000, order)
            bp = BatchProcessor(p; max_memory=6000, buffer_size=3)
            c = multi_channel(bp)
            @test length(c) == 4
            starts = Int[]
            for (data, idx_local, idx) in c
                rows = idx[1]
                push!(starts, first(rows))
                @test idx_local == 4:(3 + length(rows))
                @test data[idx_local, :] == [Int16(fixture(s, ch, 10)) for s in rows .- 1, ch in 0:9]
                before = (first(rows) - 3):(first(rows) - 1)
                @test data[1:3, :] == [s < 1 ? Int16(0) : Int16(fixture(s - 1, ch, 10)) for s in before, ch in 0:9]
            end
            @test starts == [1, 301, 601, 901]
            b = first(multi_channel(bp; from_time=100, to_time=200, channels=[3, 1, 3]))
            @test b.idx == (101:200, [3, 1, 3])
            @test b.data[b.idx_local, :] == [Int16(fixture(s, ch, 10)) for s in 100:199, ch in [2, 0, 2]]
            chans = [b.channel for b in single_channel(bp; channels=[2, 5], from_time=10, to_time=990)]
            @test chans == [2, 5]
            close(bp)
            small = BatchProcessor(p; max_memory="400B")
            e = try single_channel(small; channels=1); nothing catch err; err end
            @test e isa NBError && e.status == L.NB_STATUS_MEMORY_TOO_SMALL && occursin("2000 bytes", e.msg)
            @test length(single_channel(small; force_complete_channel_batch=false, channels=[1, 2, 3])) == 15
            e = try multi_channel(small; to_time=1001); nothing catch err; err end
            @test e isa NBError && e.status == L.NB_STATUS_BAD_RANGE
            @test_throws ArgumentError multi_channel(small; channels=Int[])
            close(small)
        end
    end

    @testset "apply" begin
        p = write_fixture(dir, "in.bin", Int16, 10, 1000, :samples)
        bp = BatchProcessor(p; max_memory=600)
        res = multi_channel_apply(x -> maximum(x; dims=1), bp; channels=[1, 2, 3])
        @test length(res) == 10 && size(res[1]) == (1, 3) && eltype(res[1]) == Int16
        @test vec(maximum(vcat(res...); dims=1)) == [maximum(fixture(s, c, 10) for s in 0:999) for c in 0:2]
        out = joinpath(dir, "added.bin")
        path, params = multi_channel_apply(x -> x .+ Int16(1), bp; mode=:disk, output_path=out, channels=[1, 2, 3])
        @test path == out && params == (dtype=:int16, n_channels=3, data_order=:samples)
        @test read(NeuroBatch.sidecar_path(out), String) == "data_bytes: 6000\ndata_order: samples\ndtype: int16\nn_channels: 3\n"
        @test reinterpret(Int16, read(out)) == vec(permutedims([Int16(fixture(s, c, 10) + 1) for s in 0:999, c in 0:2]))
        open(RecordingsReader, out) do r
            @test r[1:1000, :] == [Int16(fixture(s, c, 10) + 1) for s in 0:999, c in 0:2]
        end
        # buffer, trimming (ours and the library's), pass_batch_info
        bpb = BatchProcessor(p; max_memory=600, buffer_size=4)
        for cleanup in ((r, idx_local, idx, b) -> r[idx_local, :], :trim_buffer)
            o = joinpath(dir, "trimmed.bin")
            multi_channel_apply((x, idx_local, idx) -> x .* Int16(2), bpb; mode=:disk, output_path=o,
                                cleanup_function=cleanup, pass_batch_info=true)
            open(RecordingsReader, o) do r
                @test r[1:1000, :] == [Int16(2 * fixture(s, c, 10)) for s in 0:999, c in 0:9]
            end
        end
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
        e = try multi_channel_apply(identity, bp; mode=:disk, output_path=out, if_file_exists=:abort); nothing catch err; err end
        @test e isa NBError && e.status == L.NB_STATUS_FILE_EXISTS
        path, params = multi_channel_apply(x -> error("never called"), bp; mode=:disk, output_path=out, if_file_exists=:skip)
        @test path == out && params.n_channels == 3
        e = try multi_channel_apply(identity, bp; if_file_exists=:replace); nothing catch err; err end
        @test e isa NBError && occursin("'replace'", e.msg)
        @test_throws ArgumentError multi_channel_apply(identity, bp; mode=:tape)
        # a Julia exception in f is rethrown as itself and leaves no output
        o5 = joinpath(dir, "failed.bin")
        n_files = length(readdir(dir))
        @test_throws DomainError multi_channel_apply(x -> x[1, 1] > 3000 ? throw(DomainError(x[1, 1], "too big")) : x, bp;
                                                    mode=:disk, output_path=o5)
        @test !isfile(o5) && length(readdir(dir)) == n_files
        # progress: called per batch, may cancel
        seen = Int[]
        multi_channel_apply(x -> 0, bp; progress=(done, total) -> (push!(seen, done); false))
        @test seen == 1:10
        e = try multi_channel_apply(x -> 0, bp; mode=:disk, output_path=o5, progress=(d, t) -> d == 3); nothing catch err; err end
        @test e isa NBError && e.status == L.NB_STATUS_CANCELLED && !isfile(o5)
        close(bp)
    end

    @testset "writer and pipeline" begin
        w = Writer(joinpath(dir, "w.bin"), :samples, 2, Float64)
        append!(w, [1.0 2.0; 3.0 4.0])
        path, params = finish!(w)
        @test reinterpret(Float64, read(path)) == [1.0, 2.0, 3.0, 4.0] && params.n_channels == 2
        w = Writer(joinpath(dir, "gone.bin"), :channels, 2, Int16)
        append_channel!(w, 1, Int16[1, 2, 3])
        close(w)
        @test !isfile(joinpath(dir, "gone.bin"))

        p = write_fixture(dir, "pipe.bin", Int16, 6, 3000, :samples)
        pl = BatchPipeline(p; max_memory="500MB", output_path=dir, channels=[6, 3, 1, 2], from_time=100, to_time=2900)
        add!(pl, PipedTransformation(x -> x .+ Int16(1), "filtered.bin"),
                 PipedTransformation(x -> Int32.(x) .* Int32(2), "scaled.bin"; mode=:multi_channel, keep=true))
        paths, params = run(pl)
        @test paths == [joinpath(dir, "filtered.bin"), joinpath(dir, "scaled.bin")]
        @test params[1].data_order == :channels && params[2] == (dtype=:int32, n_channels=4, data_order=:samples)
        @test !isfile(joinpath(dir, "filtered.bin")) && isfile(p)
        open(RecordingsReader, paths[2]) do r
            @test r[1:2800, :] == [Int32(2 * (fixture(s, c, 6) + 1)) for s in 100:2899, c in [5, 2, 0, 1]]
        end
        bad = BatchPipeline(p; max_memory="500MB", output_path=dir)
        add!(bad, PipedTransformation(x -> error("never"), "a.bin"), PipedTransformation(identity, "b.bin"; mode=:all_at_once))
        e = try run(bad); nothing catch err; err end
        @test e isa NBError && occursin("all_at_once", e.msg)
        @test !isfile(joinpath(dir, "a.bin"))
    end

    @testset "metadata, edges, shards" begin
        p = write_fixture(dir, "glx.ap.bin", Int16, 3, 100, :samples; sidecar=false)
        write(joinpath(dir, "glx.ap.meta"),
              "imSampRate=30000\nimAiRangeMax=0.6\nimMaxInt=512\nnSavedChans=3\nsnsApLfSy=2,0,1\n" *
              "snsSaveChanSubset=all\n~imroTbl=(0,2)(0 0 0 500 250 1)(1 0 0 250 250 1)\n")
        open(RecordingsReader, p) do r
            @test recording_format(r) === :spikeglx
            @test sampling_rate(r) == 30000.0
            @test scales_uv(r) == [2.34375, 4.6875, 1.0]
        end
        q = write_fixture(dir, "plain.bin", Int16, 3, 100, :samples)
        open(RecordingsReader, q) do r
            @test sampling_rate(r) === nothing && scales_uv(r) === nothing
        end
        bp = BatchProcessor(q; max_memory=3 * 2 * 50, buffer_size=2, edge=:replicate)
        first_batch = first(multi_channel(bp))
        @test first_batch.data[1:2, :] == repeat([Int16(fixture(0, c, 3)) for c in 0:2]', 2)
        out = joinpath(dir, "sharded.bin")
        for k in 1:2
            @test multi_channel_apply(x -> x, bp; mode=:disk, output_path=out, shard=(k, 2),
                                      cleanup_function=:trim_buffer) === nothing
        end
        path, params = shard_finish(out, 2)
        @test path == out && params.n_channels == 3
        @test read(out) == read(q)
    end
end
