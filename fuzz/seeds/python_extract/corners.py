from __future__ import annotations
import a.b.c, d as e
from . import x
from ..y import (z as w, v)
from .m import *
from openai import OpenAI
from diffusers import StableDiffusionPipeline

client = OpenAI()
pipe = StableDiffusionPipeline.from_pretrained("m", safety_checker=None).to("cuda")
a = b = c = f()
x: int = 5
(p, q) = r
s = 'a' 'b' f'{c}' r'\d' b'x'

@app.post('/x', tags=['a'])
@dec
def f(a: A = g(), *args, b: 'B' = 1, **kw) -> T:
    """Doc."""
    with open(a) as fh, open(b) as (g, h), lock:
        pass
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": a}])

class A(B, metaclass=M):
    x = OpenAI()
    def m(self, y):  # synthlint: ignore[GEN001] reason
        return self.x.images.generate(prompt=y)

if __name__ == '__main__':
    print(pipe("a cat").images[0])
