"""Noise processes behind one interface (NoiseProcess: DDPM with DDIM, the lecture's, flow matching), samplers, runs, the Task."""
from core.diffusion.ddim import ddim_step, strided_timesteps
from core.diffusion.ddpm import DDPM, SCHEDULES, make_betas
from core.diffusion.flow import FlowMatching
from core.diffusion.frames import Frame, forward_frames
from core.diffusion.lecture import GaussianDiffusion, LectureMean
from core.diffusion.process import SAMPLER_LABELS, NoiseProcess, check_sampler
from core.diffusion.sampling import SAMPLERS, denoise_frames, guided_output, sample, sample_frames
from core.diffusion.task import DiffusionTask, build_diffusion

__all__ = [
    "DDPM", "FlowMatching", "SCHEDULES", "make_betas", "ddim_step", "strided_timesteps", "Frame", "forward_frames",
    "GaussianDiffusion", "LectureMean", "NoiseProcess", "SAMPLER_LABELS", "check_sampler", "SAMPLERS",
    "denoise_frames", "guided_output", "sample", "sample_frames", "DiffusionTask", "build_diffusion",
]
