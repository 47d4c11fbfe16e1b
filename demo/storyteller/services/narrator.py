"""Narration with a hosted text-to-speech voice."""
import edge_tts

VOICE = "en-GB-SoniaNeural"


async def narrate(text: str, out_path: str) -> str:
    speech = edge_tts.Communicate(text, VOICE)
    await speech.save(out_path)
    return out_path
