// copies non-TS assets next to the build\n
