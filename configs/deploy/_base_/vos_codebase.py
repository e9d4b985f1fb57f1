# Codebase settings: which graphs, the memory policy they are made for, the objects they take.
codebase_config = dict(
    type='mobilevos',
    task='VOS',
    graphs=('key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder'),
    # the students' constant-cost memory: the first annotated frame + the latest frame (T = 2 slots)
    memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
    # K of the static graphs; a video with fewer objects marks the rest invalid (object_valid = 0)
    max_objects=3)
