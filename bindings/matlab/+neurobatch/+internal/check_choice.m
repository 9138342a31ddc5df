function check_choice(value, choices, name, id)
%CHECK_CHOICE  VALUE must be one of the strings in CHOICES.
if ~ischar(value) || ~any(strcmp(value, choices))
  if ischar(value)
    shown = ['''' value ''''];
  else
    shown = ['a ' class(value)];
  end
  error(id, 'unknown %s %s: expected ''%s''', name, shown, strjoin(choices, ''', '''));
end
end
