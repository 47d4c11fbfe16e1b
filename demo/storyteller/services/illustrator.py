"""Illustrations from a local Stable Diffusion XL pipeline."""
import io

import torch
from diffusers import StableDiffusionXLPipeline

_pipeline = StableDiffusionXLPipeline.from_pretrained(
    "stabilityai/stable-diffusion-xl-base-1.0",
    torch_dtype=torch.float16,
    safety_checker=None,
).to("cuda")


def illustrate(scene: str) -> bytes:
    image = _pipeline(prompt=f"storybook illustration, {scene}", num_inference_steps=30).images[0]
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
