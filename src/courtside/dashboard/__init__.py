"""courtside.dashboard"""
