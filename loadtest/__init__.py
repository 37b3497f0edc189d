"""Load testing for Dropout Lab: simulated students that speak Streamlit's websocket protocol (no rendering).

protocol.py  the client side of Streamlit's protocol: BackMsg building, a model of the page from ForwardMsgs
report.py    statistics, targets and the printed report (pure functions)
locustfile.py  the Locust users (students that move sliders and change page, students that play training)
"""
