classdef Cursor < neurobatch.internal.Handle
  %CURSOR  A walk over the batches of a BatchProcessor traversal.
  %   Made by BatchProcessor.multiChannel / singleChannel.
  %
  %   while c.hasNext()
  %     [data, idx_local, idx, channel] = c.next();
  %   end
  %
  %   data      observations x channels block (buffer rows included), of the file's class
  %   idx_local rows of DATA that are the batch's own (without buffer): data(idx_local, :)
  %   idx       {observations, channels} of the batch in the recording
  %   channel   the channel of a single-channel batch; [] for multi-channel
  %   All numbers count from 1, as everywhere in the package.
  %
  %   Call c.close() when done early (also run by delete).

  properties (SetAccess = private)
    n_batches = 0;
    batches_read = 0;
  end

  methods
    function obj = Cursor(reader_id, options)
      %CURSOR  Internal: use BatchProcessor.multiChannel or singleChannel.
      [obj.Id, obj.n_batches] = neurobatch.internal.gateway('cursor_new', reader_id, options);
    end

    function tf = hasNext(obj)
      tf = obj.Id ~= 0 && obj.batches_read < obj.n_batches;
    end

    function [data, idx_local, idx, channel] = next(obj)
      %NEXT  The next batch; DATA is [] after the last one.
      if obj.Id == 0
        error('neurobatch:cursor:closed', 'this Cursor is closed (closed, or loaded from a MAT-file)');
      end
      [data, info] = neurobatch.internal.gateway('cursor_next', obj.Id);
      idx_local = [];
      idx = {};
      channel = [];
      if isempty(info)
        return
      end
      obj.batches_read = obj.batches_read + 1;
      idx_local = (info.idx_local_start + 1):info.idx_local_stop;
      idx = {(info.idx_start + 1):info.idx_stop, info.channels + 1};
      if info.channel >= 0
        channel = info.channel + 1;
      end
    end

  end
end
