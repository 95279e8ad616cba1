"""courtside.batch"""
