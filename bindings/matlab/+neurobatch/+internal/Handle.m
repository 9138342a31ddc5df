classdef Handle < handle
  %HANDLE  Base of the package's classes that own one gateway handle.
  %   close() frees it (safe to call more than once); delete() calls close
  %   and never errors, as MATLAB destructors must not.

  properties (SetAccess = protected, Hidden)
    Id = 0;
  end

  methods
    function close(obj)
      %CLOSE  Frees the library handle (closes the file). Safe to call more than once.
      if obj.Id ~= 0
        neurobatch.internal.neurobatch_mex('free', obj.Id);
        obj.Id = 0;
      end
    end

    function delete(obj)
      try
        obj.close();
      catch
      end
    end
  end
end
