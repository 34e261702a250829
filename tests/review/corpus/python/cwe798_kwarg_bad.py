# expect: 798
from openai import OpenAI

client = OpenAI(api_key="sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c")
