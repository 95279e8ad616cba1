"""courtside.notify"""
