function v = version()
%VERSION  The version of the neurobatch library behind the package.
v = neurobatch.internal.gateway('version');
end
