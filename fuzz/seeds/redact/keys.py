client = OpenAI(api_key="sk-proj-AbCdEfGhIjKlMnOpQrStUv")
headers = {"Authorization": "Bearer abc.def-ghi_jkl123"}
password: str = "hunter22"
k = AKIAIOSFODNN7EXAMPLE ghp_abcdefghijklmnopqrstuvwxyz0123456789
