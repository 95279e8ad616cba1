"""courtside.detect"""
