"""A dataset explanation job for the accelerate test: explain 6 toy faces (oracle editor, exact rule classifier).

Run as `python dataset_job.py OUT` or `accelerate launch --multi_gpu --num_processes 2 dataset_job.py OUT` (CPU processes when there is no GPU).
"""
import sys
from accelerate import PartialState
from diffex import toyworld
from diffex.explain import explain_dataset

out = sys.argv[1]
images = [toyworld.draw(toyworld.sample_face(100 + i)) for i in range(6)]
ds = explain_dataset(images, toyworld.RuleClassifier('older'), toyworld.OracleEditor(), 'toy', 'older', out=out,
                     seeds=2, beam=3, progress=False)
if PartialState().is_main_process:   # both processes return the dataset; one prints, so their lines do not interleave
    print('processes', ds.params['num_processes'], 'top', ds.top(2))
