"""Story writing with a hosted chat model."""
import os

from openai import AsyncOpenAI

STORY_MODEL = "gpt-4o-mini"

llm = AsyncOpenAI(api_key=os.environ["OPENAI_API_KEY"], timeout=30)


async def write_story(topic: str, reader_age: int) -> str:
    messages = [
        {"role": "system", "content": f"Write a bedtime story for a {reader_age}-year-old."},
        {"role": "user", "content": topic},
    ]
    reply = await llm.chat.completions.create(model=STORY_MODEL, messages=messages, temperature=0.9)
    return reply.choices[0].message.content
