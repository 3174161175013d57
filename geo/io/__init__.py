"""Files in and out: the built layers' formats, routes, user tracks, the download bundle."""
