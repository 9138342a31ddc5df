function n = liveHandles()
%LIVEHANDLES  Number of open library handles (readers, cursors, writers).
%   0 once every object was closed or cleared; used by the tests to prove
%   that nothing leaks.
n = neurobatch.internal.gateway('live');
end
