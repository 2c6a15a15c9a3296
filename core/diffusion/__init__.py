"""Noise processes (the lecture's Gaussian diffusion, DDPM, DDIM), their samplers as generators of Frames, and the Task."""
from core.diffusion.ddim import ddim_step, strided_timesteps
from core.diffusion.ddpm import DDPM, SCHEDULES, make_betas
from core.diffusion.frames import Frame, forward_frames
from core.diffusion.lecture import GaussianDiffusion, LectureMean
from core.diffusion.sampling import SAMPLERS, guided_output, sample, sample_frames
from core.diffusion.task import DiffusionTask, build_diffusion

__all__ = [
    "DDPM", "SCHEDULES", "make_betas", "ddim_step", "strided_timesteps", "Frame", "forward_frames",
    "GaussianDiffusion", "LectureMean", "SAMPLERS", "guided_output", "sample", "sample_frames",
    "DiffusionTask", "build_diffusion",
]
