"""Public HTTP API of the storyteller service."""
from fastapi import FastAPI
from fastapi.responses import Response

from storyteller.services.illustrator import illustrate
from storyteller.services.narrator import narrate
from storyteller.services.writer import write_story

app = FastAPI(title="storyteller")


@app.post("/stories")
async def create_story(body: dict):
    story = await write_story(body["topic"], body.get("age", 6))
    return {"story": story}


@app.post("/illustrations")
def create_illustration(body: dict):
    return Response(illustrate(body["scene"]), media_type="image/png")


@app.post("/narrations")
async def create_narration(body: dict):
    path = await narrate(body["text"], f"/tmp/{body['id']}.mp3")
    return {"audio": path}
