"""courtside.collect

Collectors put posts on the ``tweets`` stream in the incoming X shape: the X API v2
filtered stream, Bluesky Jetstream, file replay and the synthetic generator, with the
Athlete annotator for posts that carry no X context annotations.
"""
