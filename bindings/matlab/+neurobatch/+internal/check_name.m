function v = check_name(kind, v, option, where)
%CHECK_NAME  A dtype, data_order or if_file_exists name, checked by the
%   library's own parser, so MATLAB accepts exactly what C accepts.
v = neurobatch.internal.check_text(v, option, where);
try
  neurobatch.internal.gateway('check_name', kind, v);
catch err
  neurobatch.internal.option_error(where, option, ': %s', err.message);
end
end
