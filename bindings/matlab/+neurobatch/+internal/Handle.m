classdef Handle < handle
  %HANDLE  Base of the package's classes that own one gateway handle.
  %   close() frees it (safe to call more than once); delete() calls close
  %   and never errors, as MATLAB destructors must not.
  %
  %   The handle id is Transient: an object saved with SAVE and loaded later
  %   (in another session the id would name nothing, or another object) comes
  %   back closed, with Id 0, and says so when used. Open it again instead.

  properties (Transient, SetAccess = protected, Hidden)
    Id = 0;
  end

  methods
    function close(obj)
      %CLOSE  Frees the library handle (closes the file). Safe to call more than once.
      if obj.Id ~= 0
        neurobatch.internal.gateway('free', obj.Id);
        obj.Id = 0;
      end
    end

    function tf = isOpen(obj)
      %ISOPEN  false once closed (or loaded from a MAT-file).
      tf = obj.Id ~= 0;
    end

    function delete(obj)
      try
        obj.close();
      catch
      end
    end
  end
end
