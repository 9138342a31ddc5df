classdef Recorder < handle
  % A place for a callback's side effects, for the tests: what it kept and
  % how often it ran.
  properties
    calls = 0;
    kept = {};
  end
  methods
    function keep(obj, x)
      obj.calls = obj.calls + 1;
      obj.kept{end + 1} = x;
    end
  end
end
