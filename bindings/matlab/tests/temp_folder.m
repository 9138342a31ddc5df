function d = temp_folder()
%TEMP_FOLDER  A new empty folder for one test (removed by the caller's onCleanup).
d = tempname();
mkdir(d);
end
