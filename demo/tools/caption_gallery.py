"""Offline tool: caption the illustration gallery for search."""
import sys

from transformers import pipeline

captioner = pipeline("image-to-text", model="Salesforce/blip-image-captioning-base")
sentiment = pipeline("sentiment-analysis")

if __name__ == "__main__":
    for path in sys.argv[1:]:
        caption = captioner(path)[0]["generated_text"]
        print(path, caption, sentiment(caption)[0]["label"])
