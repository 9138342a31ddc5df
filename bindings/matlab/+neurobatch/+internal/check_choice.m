function v = check_choice(v, choices, option, where)
%CHECK_CHOICE  V must be one of the strings in CHOICES.
if isa(v, 'string') && isscalar(v)
  v = char(v);
end
if ~ischar(v) || ~any(strcmp(v, choices))
  neurobatch.internal.option_error(where, option, 'must be ''%s'', got %s', strjoin(choices, ''', '''), ...
                                   neurobatch.internal.describe_value(v));
end
end
